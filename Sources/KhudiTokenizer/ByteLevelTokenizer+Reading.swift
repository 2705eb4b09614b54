import Foundation

extension ByteLevelTokenizer {
    /// Reads a byte-level BPE tokenizer.json: Khudi's own, GPT-2's, Llama 3's, or any other with
    /// the same kinds of components, keeping its ids.
    ///
    /// Read: normalizer none/NFC/NFKC/NFD/NFKD; pre-tokenizer ByteLevel (GPT-2's regex, with
    /// `add_prefix_space`) or Sequence[Split(regex, Isolated), ByteLevel]; post-processor
    /// TemplateProcessing; BPE with `ignore_merges`; added tokens. Anything else is refused with
    /// an error naming the field, rather than encoded differently from `tokenizers`.
    public init(tokenizerJSON data: Data) throws(TokenizerFileError) {
        try self.init(root: try parseTokenizerJSON(data))
    }

    /// `init(tokenizerJSON:)` from the already parsed file.
    init(root: [String: Any]) throws(TokenizerFileError) {
        guard let object = root["model"] as? [String: Any] else { throw .missingField("model") }
        guard object["type"] as? String == "BPE" else {
            throw .unsupported(
                "model.type", "\(object["type"] ?? "nothing") (this reader handles byte-level BPE)")
        }
        for field in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let affix = object[field] as? String, !affix.isEmpty {
                throw .unsupported("model.\(field)", "'\(affix)' (byte-level BPE has none)")
            }
        }
        if let dropout = object["dropout"] as? Double, dropout > 0 {
            throw .unsupported("model.dropout", "\(dropout) (encoding would be random)")
        }
        if object["byte_fallback"] as? Bool == true {
            throw .unsupported(
                "model.byte_fallback", "true (that is character BPE, not byte-level)")
        }
        try Self.checkDecoder(root["decoder"])
        let (preTokenization, addsPrefixSpace) = try Self.readPreTokenizer(root["pre_tokenizer"])
        let model = try Self.readModel(
            object, specials: try SpecialToken.read(addedTokens: root["added_tokens"]))
        self.init(
            model: model, normalization: try UnicodeNormalization(json: root["normalizer"]),
            preTokenization: preTokenization, addsPrefixSpace: addsPrefixSpace,
            template: try SpecialTokenTemplate(json: root["post_processor"]))
    }

    private static func checkDecoder(_ json: Any?) throws(TokenizerFileError) {
        guard let decoder = json as? [String: Any] else { return }
        let type = decoder["type"] as? String
        let steps = type == "Sequence" ? decoder["decoders"] as? [[String: Any]] ?? [] : [decoder]
        guard steps.contains(where: { $0["type"] as? String == "ByteLevel" }) else {
            throw .unsupported(
                "decoder.type", "\(type ?? "nothing") (byte-level BPE decodes with ByteLevel)")
        }
    }

    private static func readPreTokenizer(
        _ json: Any?
    ) throws(TokenizerFileError) -> (PreTokenization, Bool) {
        guard let object = json as? [String: Any] else { throw .missingField("pre_tokenizer") }
        let type = object["type"] as? String
        if type == "ByteLevel" {
            guard object["use_regex"] as? Bool ?? true else {
                throw .unsupported("pre_tokenizer.use_regex", "false with no Split before it")
            }
            return (
                try compile(RegexPreTokenizer.gpt2, field: "pre_tokenizer"),
                object["add_prefix_space"] as? Bool ?? false
            )
        }
        guard type == "Sequence", let steps = object["pretokenizers"] as? [[String: Any]],
            steps.count == 2, steps[0]["type"] as? String == "Split",
            steps[1]["type"] as? String == "ByteLevel"
        else {
            throw .unsupported(
                "pre_tokenizer",
                "\(type ?? "nothing") (Khudi reads ByteLevel, or Sequence[Split, ByteLevel])")
        }
        let split = steps[0]
        let byteLevel = steps[1]
        guard split["behavior"] as? String == "Isolated", split["invert"] as? Bool != true else {
            throw .unsupported(
                "pre_tokenizer.pretokenizers[0].behavior",
                "\(split["behavior"] ?? "nothing") (Khudi reads Isolated, not inverted)")
        }
        guard byteLevel["use_regex"] as? Bool == false,
            byteLevel["add_prefix_space"] as? Bool != true
        else {
            throw .unsupported(
                "pre_tokenizer.pretokenizers[1]",
                "ByteLevel after a Split must have use_regex and add_prefix_space false")
        }
        guard let pattern = (split["pattern"] as? [String: Any])?["Regex"] as? String else {
            throw .unsupported(
                "pre_tokenizer.pretokenizers[0].pattern", "only {\"Regex\": …} patterns are read")
        }
        return (try compile(pattern, field: "pre_tokenizer.pretokenizers[0].pattern"), false)
    }

    private static func compile(
        _ pattern: String, field: String
    ) throws(TokenizerFileError) -> PreTokenization {
        do {
            return try PreTokenization(pattern: pattern)
        } catch {
            throw .unsupported(field, "the regex does not compile here (\(error))")
        }
    }

    private static func readModel(
        _ object: [String: Any], specials: [SpecialToken]
    ) throws(TokenizerFileError) -> BytePairEncoding {
        guard let vocabulary = object["vocab"] as? [String: Int] else {
            throw .missingField("model.vocab")
        }
        guard let rawMerges = object["merges"] as? [Any] else {
            throw .missingField("model.merges")
        }
        let specialOf = Dictionary(
            specials.map { ($0.id, $0.content) }, uniquingKeysWith: { first, _ in first })
        let size = max(vocabulary.values.max() ?? -1, specials.map(\.id).max() ?? -1) + 1
        var tokens = [[UInt8]?](repeating: nil, count: size)
        var idOf: [[UInt8]: Int] = [:]
        for (token, id) in vocabulary {
            guard id >= 0 else { throw .malformed("model.vocab: '\(token)' has id \(id)") }
            if let content = specialOf[id] {
                guard content == token else {
                    throw .mismatchedSpecial(content, id: id, vocab: token)
                }
                tokens[id] = Array(token.utf8)
                continue
            }
            guard let bytes = ByteLevel.decode(token) else {
                throw .unsupported("model.vocab", "token \(token) is not in GPT-2's byte alphabet")
            }
            tokens[id] = bytes
            idOf[bytes] = min(idOf[bytes] ?? id, id)
        }
        for special in specials where tokens[special.id] == nil {
            tokens[special.id] = Array(special.content.utf8)
        }
        if let hole = tokens.firstIndex(where: { $0 == nil }) {
            throw .unsupported(
                "model.vocab", "id \(hole) has no token (ids must run 0…\(size - 1))")
        }
        var byteIDs: [Int] = []
        for byte in 0..<256 {
            guard let id = idOf[[UInt8(byte)]] else {
                throw .unsupported(
                    "model.vocab", "no token for the byte \(byte) (byte-level BPE needs all 256)")
            }
            byteIDs.append(id)
        }
        var merges: [BytePairEncoding.Merge] = []
        var mergeIDs: [Int] = []
        for (rank, entry) in rawMerges.enumerated() {
            let parts = try mergePair(entry, rank: rank)
            guard let left = ByteLevel.decode(parts[0]), let right = ByteLevel.decode(parts[1]),
                let leftID = idOf[left], let rightID = idOf[right], let made = idOf[left + right]
            else {
                throw .malformed("model.merges[\(rank)]: \(parts) or their join not in model.vocab")
            }
            merges.append(.init(left: leftID, right: rightID))
            mergeIDs.append(made)
        }
        return BytePairEncoding(
            tokens: tokens.compactMap { $0 }, specialTokens: specials, byteIDs: byteIDs,
            merges: merges,
            mergeIDs: mergeIDs, ignoresMerges: object["ignore_merges"] as? Bool ?? false)
    }
}

/// A tokenizer.json that cannot be used, naming the field.
public enum TokenizerFileError: Error, Equatable, CustomStringConvertible {
    case malformed(String)
    case missingField(String)
    case unsupported(String, String)
    /// An added token whose id the model's vocabulary gives to another string.
    case mismatchedSpecial(String, id: Int, vocab: String)

    public var description: String {
        switch self {
        case .malformed(let detail): "tokenizer.json: \(detail)"
        case .missingField(let field): "tokenizer.json: missing field '\(field)'"
        case .unsupported(let field, let detail):
            "tokenizer.json: unsupported '\(field)': \(detail)"
        case .mismatchedSpecial(let content, let id, let vocab):
            "tokenizer.json: added_tokens gives id \(id) to '\(content)', model.vocab to '\(vocab)'"
        }
    }
}
