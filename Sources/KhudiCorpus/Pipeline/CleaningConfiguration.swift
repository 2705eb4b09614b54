import Foundation
import KhudiText
import Yams

/// Everything `khudi-clean` can be told, with documented defaults.
///
/// Loaded from YAML; unknown keys and wrong types are errors naming the file, line and column.
///
/// ```yaml
/// languages: [urd, snd]        # or "auto": keep every language Khudi identifies
/// line_docs: false             # one document per line instead of blank-line separated
/// text_field: text             # the field read from .jsonl input
/// invalid_utf8: repair         # or reject (the document is dropped and counted)
/// normalize: { honorifics: keep, digits: foldArabicIndic, strip_diacritics: false }
/// zwnj: { urd: delete }        # per-language ZWNJ policy overrides
/// min_chars: 1                 # shorter documents are dropped ("too_short")
/// max_chars: 5000000           # longer documents are dropped ("too_long")
/// filters: { gopher_quality: true, gopher_repetition: true, fineweb_quality: true, c4: false }
/// thresholds: { urd: { duplicate_line_fraction: 0.25 } }   # any FilterThresholds field
/// dedup: { exact: true, minhash: true, bands: 14, rows: 8, ngram: 5 }
/// pii: [email, ip_address, phone, cnic]
/// shard_documents: 10000       # documents per output shard
/// write_rejected: false        # also write rejected.jsonl with each document's reason
/// ```
public struct CleaningConfiguration: Sendable {
    public var languages: [Language]? = nil
    public var lineDocuments = false
    public var textField = "text"
    public var rejectsInvalidUTF8 = false
    public var honorifics = ScriptNormalizer.HonorificPolicy.keep
    public var digits = DigitPolicy.foldArabicIndic
    public var stripsDiacritics = false
    public var zwnj: [Language: ZWNJPolicy] = [:]
    public var minimumCharacters = 1
    public var maximumCharacters = 5_000_000
    public var gopherQuality = true
    public var gopherRepetition = true
    public var fineWebQuality = true
    public var c4 = false
    public var thresholds: [Language: FilterThresholds] = [:]
    public var exactDedup = true
    public var minHashDedup = true
    public var bands = 14
    public var rows = 8
    public var ngram = 5
    public var pii: Set<PIIRedactor.Kind> = Set(PIIRedactor.Kind.allCases)
    public var shardDocuments = 10_000
    public var writesRejected = false

    public init() {}

    /// The keys a configuration may have.
    public static let keys: Set<String> = [
        "languages", "line_docs", "text_field", "invalid_utf8", "normalize", "zwnj", "min_chars",
        "max_chars", "filters", "thresholds", "dedup", "pii", "shard_documents", "write_rejected",
    ]

    /// The thresholds in force for `language`.
    public func filterThresholds(for language: Language) -> FilterThresholds {
        thresholds[language] ?? .defaults(for: language)
    }

    /// A configuration read from YAML `text`; `path` names the file in errors.
    public static func load(
        yaml text: String, path: String
    ) throws(ConfigurationError) -> CleaningConfiguration {
        guard let node = try ConfigurationReader.compose(yaml: text, path: path) else {
            return CleaningConfiguration()
        }
        return try load(node: node, path: path)
    }

    /// Reads an already composed document; `path` names it in errors.
    public static func load(
        node: Node, path: String
    ) throws(ConfigurationError)
        -> CleaningConfiguration
    {
        var configuration = CleaningConfiguration()
        let reader = ConfigurationReader(path: path)
        guard let mapping = node.mapping else {
            throw reader.error(node, "the top level must be a mapping of keys")
        }
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            switch key {
            case "languages":
                if value.string == "auto" {
                    configuration.languages = nil
                } else {
                    var languages: [Language] = []
                    for item in try reader.list(value) {
                        languages.append(try reader.language(item))
                    }
                    configuration.languages = languages
                }
            case "line_docs": configuration.lineDocuments = try reader.bool(value)
            case "text_field": configuration.textField = try reader.string(value)
            case "invalid_utf8":
                configuration.rejectsInvalidUTF8 =
                    try reader.choice(value, ["repair", "reject"]) == "reject"
            case "normalize":
                for (k, _, v) in try reader.mapping(
                    value, allowed: ["honorifics", "digits", "strip_diacritics"])
                {
                    switch k {
                    case "honorifics": configuration.honorifics = try reader.enumValue(v)
                    case "digits": configuration.digits = try reader.enumValue(v)
                    default: configuration.stripsDiacritics = try reader.bool(v)
                    }
                }
            case "zwnj":
                for (_, keyNode, v) in try reader.mapping(value, allowed: nil) {
                    configuration.zwnj[try reader.language(keyNode)] = try reader.enumValue(v)
                }
            case "min_chars": configuration.minimumCharacters = try reader.int(value)
            case "max_chars": configuration.maximumCharacters = try reader.int(value)
            case "filters":
                for (k, _, v) in try reader.mapping(
                    value,
                    allowed: ["gopher_quality", "gopher_repetition", "fineweb_quality", "c4"])
                {
                    let flag = try reader.bool(v)
                    switch k {
                    case "gopher_quality": configuration.gopherQuality = flag
                    case "gopher_repetition": configuration.gopherRepetition = flag
                    case "fineweb_quality": configuration.fineWebQuality = flag
                    default: configuration.c4 = flag
                    }
                }
            case "thresholds":
                for (_, keyNode, v) in try reader.mapping(value, allowed: nil) {
                    let language = try reader.language(keyNode)
                    configuration.thresholds[language] = try reader.thresholds(
                        v, base: .defaults(for: language))
                }
            case "dedup":
                for (k, _, v) in try reader.mapping(
                    value, allowed: ["exact", "minhash", "bands", "rows", "ngram"])
                {
                    switch k {
                    case "exact": configuration.exactDedup = try reader.bool(v)
                    case "minhash": configuration.minHashDedup = try reader.bool(v)
                    case "bands": configuration.bands = try reader.positive(v)
                    case "rows": configuration.rows = try reader.positive(v)
                    default: configuration.ngram = try reader.positive(v)
                    }
                }
            case "pii":
                var kinds = Set<PIIRedactor.Kind>()
                for item in try reader.list(value) { kinds.insert(try reader.enumValue(item)) }
                configuration.pii = kinds
            case "shard_documents": configuration.shardDocuments = try reader.positive(value)
            case "write_rejected": configuration.writesRejected = try reader.bool(value)
            default: throw reader.unknownKey(keyNode, key, known: keys)
            }
        }
        return configuration
    }
}

/// A configuration error at a place in a file.
public struct ConfigurationError: Error, Equatable, CustomStringConvertible {
    public var path: String
    public var line: Int
    public var column: Int
    public var message: String

    public init(path: String, line: Int, column: Int, message: String) {
        self.path = path
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String { "\(path):\(line):\(column): \(message)" }
}

/// Typed access to YAML nodes with errors that point at the node.
public struct ConfigurationReader {
    public let path: String

    public init(path: String) { self.path = path }

    /// The YAML document in `text` (nil when empty), or an error naming `path`.
    public static func compose(yaml text: String, path: String) throws(ConfigurationError) -> Node?
    {
        let description: String
        do {
            return try Yams.compose(yaml: text)
        } catch {
            description = "\(error)"
        }
        // Yams describes a syntax error as "LINE:COLUMN: error: …"; the place goes where every
        // other configuration error puts it.
        let parts = description.split(separator: ":", maxSplits: 2)
        if parts.count == 3, let line = Int(parts[0]), let column = Int(parts[1]) {
            let message = parts[2].trimmingCharacters(in: .whitespaces)
                .replacingOccurrences(of: "error: ", with: "")
            throw ConfigurationError(
                path: path, line: line, column: column, message: "not valid YAML: " + message)
        }
        throw ConfigurationError(
            path: path, line: 0, column: 0, message: "not valid YAML: \(description)")
    }

    public func error(_ node: Node, _ message: String) -> ConfigurationError {
        ConfigurationError(
            path: path, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0, message: message
        )
    }

    public func string(_ node: Node) throws(ConfigurationError) -> String {
        guard let value = node.scalar?.string else { throw error(node, "expected a string") }
        return value
    }

    public func bool(_ node: Node) throws(ConfigurationError) -> Bool {
        guard let value = node.bool else {
            throw error(node, "expected true or false, got '\(node.string ?? "a collection")'")
        }
        return value
    }

    public func int(_ node: Node) throws(ConfigurationError) -> Int {
        guard let value = node.int else {
            throw error(node, "expected a whole number, got '\(node.string ?? "a collection")'")
        }
        return value
    }

    public func positive(_ node: Node) throws(ConfigurationError) -> Int {
        let value = try int(node)
        guard value > 0 else { throw error(node, "expected a positive number, got \(value)") }
        return value
    }

    public func double(_ node: Node) throws(ConfigurationError) -> Double {
        guard let value = node.float else {
            throw error(node, "expected a number, got '\(node.string ?? "a collection")'")
        }
        return value
    }

    public func choice(_ node: Node, _ options: [String]) throws(ConfigurationError) -> String {
        let value = try string(node)
        guard options.contains(value) else {
            throw error(node, "'\(value)' is not one of \(options.joined(separator: ", "))")
        }
        return value
    }

    public func enumValue<T: RawRepresentable & CaseIterable>(
        _ node: Node
    ) throws(ConfigurationError) -> T
    where T.RawValue == String {
        let value = try string(node)
        guard let result = T(rawValue: value) else {
            throw error(
                node,
                "'\(value)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return result
    }

    public func language(_ node: Node) throws(ConfigurationError) -> Language {
        let code = try string(node)
        guard let language = Language(code: code) else {
            throw error(
                node,
                "unknown language code '\(code)' (known: \(Language.allCases.map(\.code).joined(separator: ", ")))"
            )
        }
        return language
    }

    public func list(_ node: Node) throws(ConfigurationError) -> [Node] {
        guard let sequence = node.sequence else { throw error(node, "expected a list") }
        return Array(sequence)
    }

    public func mapping(
        _ node: Node, allowed: Set<String>?
    ) throws(ConfigurationError) -> [(String, Node, Node)] {
        guard let mapping = node.mapping else { throw error(node, "expected a mapping") }
        var pairs: [(String, Node, Node)] = []
        for (key, value) in mapping {
            let name = key.string ?? ""
            if let allowed, !allowed.contains(name) {
                throw unknownKey(key, name, known: allowed)
            }
            pairs.append((name, key, value))
        }
        return pairs
    }

    func thresholds(
        _ node: Node, base: FilterThresholds
    ) throws(ConfigurationError) -> FilterThresholds {
        var t = base
        let fields = [
            "language_score", "duplicate_line_fraction", "line_punctuation", "new_line_ratio",
            "character_duplicates",
            "short_lines", "minimum_mean_word_length", "maximum_mean_word_length",
            "alphabetic_words", "minimum_stop_words",
            "minimum_words", "maximum_words", "stop_words",
        ]
        for (key, _, value) in try mapping(node, allowed: Set(fields)) {
            switch key {
            case "language_score": t.languageScore = try double(value)
            case "duplicate_line_fraction": t.duplicateLineFraction = try double(value)
            case "line_punctuation": t.linePunctuation = try double(value)
            case "new_line_ratio": t.newLineRatio = try double(value)
            case "character_duplicates": t.characterDuplicates = try double(value)
            case "short_lines": t.shortLines = try double(value)
            case "minimum_mean_word_length": t.minimumMeanWordLength = try double(value)
            case "maximum_mean_word_length": t.maximumMeanWordLength = try double(value)
            case "alphabetic_words": t.alphabeticWords = try double(value)
            case "minimum_stop_words": t.minimumStopWords = try int(value)
            case "minimum_words": t.minimumWords = try int(value)
            case "maximum_words": t.maximumWords = try int(value)
            default:
                t.stopWords = []
                for item in try list(value) { t.stopWords.append(try string(item)) }
            }
        }
        return t
    }
}

extension ScriptNormalizer.HonorificPolicy: CaseIterable {
    public static let allCases: [ScriptNormalizer.HonorificPolicy] = [.keep, .expandToUrdu]
}
extension DigitPolicy: CaseIterable {
    public static let allCases: [DigitPolicy] = [.foldArabicIndic, .keep, .urdu, .ascii]
}
extension ZWNJPolicy: CaseIterable {
    public static let allCases: [ZWNJPolicy] = [.keep, .delete, .space]
}

extension ConfigurationReader {
    /// An unknown-key error listing the known keys, and suggesting the nearest one when the
    /// name looks like a misspelling of it (edit distance at most 2).
    public func unknownKey(
        _ node: Node, _ name: String, known: Set<String>
    ) -> ConfigurationError {
        let nearest = known.map { ($0, editDistance(name, $0)) }.min { ($0.1, $0.0) < ($1.1, $1.0) }
        let suggestion = nearest.flatMap { $0.1 <= 2 ? " (did you mean '\($0.0)'?)" : nil } ?? ""
        return error(
            node,
            "unknown key '\(name)'\(suggestion); known: \(known.sorted().joined(separator: ", "))")
    }
}

/// Levenshtein distance between two strings, by characters.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    var row = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
        var previous = row[0]
        row[0] = i
        for j in 1...max(b.count, 1) where !b.isEmpty {
            let saved = row[j]
            row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
            previous = saved
        }
    }
    return a.isEmpty ? b.count : row[b.count]
}
