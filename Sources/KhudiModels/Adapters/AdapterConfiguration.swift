import Foundation
import KhudiNN

/// A PEFT LoRA `adapter_config.json`: which linear layers carry an adapter, at which rank and
/// scale.
///
/// Module matching follows PEFT: a list of targets matches a module whose name equals a target
/// or ends with `.target`; a string is a regular expression the whole name must match;
/// `all-linear` is every linear layer except the output head. `rank_pattern` and
/// `alpha_pattern` keys match a name that ends with them (as regular expressions, after a
/// dot). Names are PEFT's, i.e. Hugging Face module paths (`model.layers.0.self_attn.q_proj`,
/// `transformer.h.0.attn.c_attn`).
public struct AdapterConfiguration: Sendable {
    public enum Targets: Sendable, Equatable {
        case names([String])
        case pattern(String)
        case allLinear

        /// Whether module `name` is one of these (`isHead`: the output layer).
        public func matches(_ name: String, isHead: Bool) -> Bool {
            AdapterConfiguration.matches(self, name, isHead: isHead)
        }
    }

    public var rank: Int
    public var alpha: Float
    public var targets: Targets
    public var excluded: Targets?
    public var rankPattern: [String: Int]
    public var alphaPattern: [String: Float]
    public var rankStabilized: Bool
    public var dropout: Float
    /// `base_model_name_or_path`: the model the adapter was trained on, as written.
    public var baseModel: String?

    /// Reads `path`, refusing PEFT features Khudi does not implement (DoRA, trained biases,
    /// extra saved modules, layer selection), each named.
    public init(contentsOf path: String) throws(ModelError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .notAModel(
                path: (path as NSString).deletingLastPathComponent,
                reason: "no adapter_config.json (not a PEFT adapter directory)")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw .invalidField(path: path, field: "(file)", reason: "not a JSON object")
        }
        try self.init(object, path: path)
    }

    init(_ object: [String: Any], path: String) throws(ModelError) {
        func field(_ name: String) -> Any? {
            guard let value = object[name], !(value is NSNull) else { return nil }
            return value
        }
        let type = field("peft_type") as? String ?? "(none)"
        guard type == "LORA" else {
            throw .unsupported(path: path, field: "peft_type", value: type, supported: "LORA")
        }
        guard let rank = field("r") as? Int, rank > 0 else {
            throw field("r") == nil
                ? .missingField(path: path, field: "r")
                : .invalidField(path: path, field: "r", reason: "expected a positive integer")
        }
        self.rank = rank
        alpha = (field("lora_alpha") as? NSNumber)?.floatValue ?? 8
        guard let rawTargets = field("target_modules") else {
            throw .missingField(path: path, field: "target_modules")
        }
        targets = try Self.targets(rawTargets, field: "target_modules", path: path)
        excluded = try field("exclude_modules").map { raw throws(ModelError) in
            try Self.targets(raw, field: "exclude_modules", path: path)
        }
        rankPattern = try Self.pattern(field("rank_pattern"), field: "rank_pattern", path: path) {
            ($0 as? Int).flatMap { $0 > 0 ? $0 : nil }
        }
        alphaPattern = try Self.pattern(field("alpha_pattern"), field: "alpha_pattern", path: path)
        {
            ($0 as? NSNumber)?.floatValue
        }
        rankStabilized = field("use_rslora") as? Bool ?? false
        dropout = (field("lora_dropout") as? NSNumber)?.floatValue ?? 0
        baseModel = field("base_model_name_or_path") as? String
        // Features that change the computation: refused rather than silently ignored.
        let plain: [(String, (Any) -> Bool)] = [
            ("use_dora", { ($0 as? Bool) != true }),
            ("bias", { ($0 as? String) == "none" }),
            ("lora_bias", { ($0 as? Bool) != true }),
            ("modules_to_save", { ($0 as? [Any])?.isEmpty ?? false }),
            ("layers_to_transform", { _ in false }),
            ("layer_replication", { _ in false }),
            ("target_parameters", { ($0 as? [Any])?.isEmpty ?? false }),
            ("trainable_token_indices", { _ in false }),
            ("use_qalora", { ($0 as? Bool) != true }),
        ]
        for (name, isPlain) in plain {
            if let value = field(name), !isPlain(value) {
                throw .unsupported(
                    path: path, field: name, value: "\(value)",
                    supported: "plain LoRA (no DoRA, biases, modules_to_save or layer selection)")
            }
        }
    }

    static func targets(_ raw: Any, field: String, path: String) throws(ModelError) -> Targets {
        if let names = raw as? [String] { return .names(names) }
        if let text = raw as? String {
            if text == "all-linear" { return .allLinear }
            guard (try? NSRegularExpression(pattern: text)) != nil else {
                throw .invalidField(
                    path: path, field: field, reason: "'\(text)' is not a regular expression")
            }
            return .pattern(text)
        }
        throw .invalidField(
            path: path, field: field, reason: "expected a list of module names or a pattern")
    }

    static func pattern<Value>(
        _ raw: Any?, field: String, path: String, value: (Any) -> Value?
    ) throws(ModelError) -> [String: Value] {
        guard let raw else { return [:] }
        guard let object = raw as? [String: Any] else {
            throw .invalidField(path: path, field: field, reason: "expected an object")
        }
        var result: [String: Value] = [:]
        for (key, entry) in object {
            guard let parsed = value(entry) else {
                throw .invalidField(
                    path: path, field: "\(field).\(key)", reason: "expected a positive number")
            }
            result[key] = parsed
        }
        return result
    }

    /// Whether the module `name` carries an adapter (`isHead`: the output layer, which
    /// `all-linear` leaves out).
    public func targets(_ name: String, isHead: Bool) -> Bool {
        guard Self.matches(targets, name, isHead: isHead) else { return false }
        return excluded.map { !Self.matches($0, name, isHead: isHead) } ?? true
    }

    static func matches(_ targets: Targets, _ name: String, isHead: Bool) -> Bool {
        switch targets {
        case .allLinear: return !isHead
        case .names(let names): return names.contains { name == $0 || name.hasSuffix(".\($0)") }
        case .pattern(let pattern): return fullMatch(pattern, name)
        }
    }

    /// The rank and scale of module `name`, after `rank_pattern` and `alpha_pattern`.
    public func rankAndScale(_ name: String) -> (rank: Int, scale: Float) {
        let rank = Self.patternValue(rankPattern, name) ?? self.rank
        let alpha = Self.patternValue(alphaPattern, name) ?? self.alpha
        return (rank, LoRA.scale(alpha: alpha, rank: rank, rankStabilized: rankStabilized))
    }

    /// The value of the first key (in sorted order, for determinism) that `name` ends with.
    static func patternValue<Value>(_ pattern: [String: Value], _ name: String) -> Value? {
        for key in pattern.keys.sorted() where fullMatch("(.*\\.)?(\(key))", name) {
            return pattern[key]
        }
        return nil
    }

    static func fullMatch(_ pattern: String, _ text: String) -> Bool {
        guard let expression = try? NSRegularExpression(pattern: "^(?:\(pattern))$") else {
            return false
        }
        let range = NSRange(text.startIndex..., in: text)
        return expression.firstMatch(in: text, range: range) != nil
    }
}
