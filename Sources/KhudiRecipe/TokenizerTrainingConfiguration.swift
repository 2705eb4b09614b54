import Foundation
import KhudiCorpus
import Yams

/// What `khudi-tokenize train --config FILE.yaml` can say; each key has the command-line
/// option of the same name (with `-` for `_`), which wins when both are given.
///
/// ```yaml
/// model: unigram               # byte-bpe (default), bpe or unigram
/// vocab_size: 32000
/// min_frequency: 2
/// max_token_length: 16
/// pre_tokenizer: khudi         # byte-bpe: khudi, gpt2, cl100k or o200k
/// max_digits: 3
/// character_coverage: 0.9995   # bpe and unigram
/// limit_alphabet: 500          # bpe and unigram: at most this many characters
/// isolate_punctuation: true    # bpe and unigram
/// text_field: text             # .jsonl input
/// language_field: lang         # .jsonl field naming each document's language
/// language_weights: { snd: 3, pbt: 3 }   # multiply a language's counts
/// sources:                     # paths relative to this file
///   - { path: corpus/urd, language: urd }
///   - { path: corpus/snd.txt, language: snd, weight: 2 }
/// ```
public struct TokenizerTrainingConfiguration: Sendable {
    public init() {}

    public struct Source: Sendable {
        public var path: String
        public var language: String?
        public var weight = 1.0

        public init(path: String, language: String? = nil, weight: Double = 1.0) {
            self.path = path
            self.language = language
            self.weight = weight
        }
    }

    public var model: String?
    public var vocabSize: Int?
    public var minFrequency: Int64?
    public var maxTokenLength: Int?
    public var preTokenizer: String?
    public var maxDigits: Int?
    public var characterCoverage: Double?
    public var limitAlphabet: Int?
    public var isolatePunctuation: Bool?
    public var textField: String?
    public var languageField: String?
    public var languageWeights: [String: Double] = [:]
    public var sources: [Source] = []

    public static let keys: Set<String> = [
        "model", "vocab_size", "min_frequency", "max_token_length", "pre_tokenizer",
        "max_digits", "character_coverage", "limit_alphabet", "isolate_punctuation", "text_field",
        "language_field", "language_weights", "sources",
    ]

    /// Reads YAML `text` from `path` (which names the file in errors and anchors relative
    /// source paths); errors name the file, line and column.
    public static func load(
        yaml text: String, path: String
    ) throws(ConfigurationError) -> TokenizerTrainingConfiguration {
        guard let node = try ConfigurationReader.compose(yaml: text, path: path) else {
            return TokenizerTrainingConfiguration()
        }
        return try load(node: node, path: path)
    }

    /// Reads an already composed document; `path` names it in errors and anchors relative paths.
    public static func load(
        node: Node, path: String
    ) throws(ConfigurationError)
        -> TokenizerTrainingConfiguration
    {
        var configuration = TokenizerTrainingConfiguration()
        let reader = ConfigurationReader(path: path)
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        for (key, _, value) in try reader.mapping(node, allowed: keys) {
            switch key {
            case "model":
                configuration.model = try reader.choice(value, ["byte-bpe", "bpe", "unigram"])
            case "vocab_size": configuration.vocabSize = try reader.positive(value)
            case "min_frequency": configuration.minFrequency = Int64(try reader.positive(value))
            case "max_token_length": configuration.maxTokenLength = try reader.positive(value)
            case "pre_tokenizer":
                configuration.preTokenizer = try reader.choice(
                    value, ["khudi", "gpt2", "cl100k", "o200k"])
            case "max_digits": configuration.maxDigits = try reader.positive(value)
            case "character_coverage":
                configuration.characterCoverage = try reader.double(value)
            case "limit_alphabet": configuration.limitAlphabet = try reader.positive(value)
            case "isolate_punctuation": configuration.isolatePunctuation = try reader.bool(value)
            case "text_field": configuration.textField = try reader.string(value)
            case "language_field": configuration.languageField = try reader.string(value)
            case "language_weights":
                for (language, _, weight) in try reader.mapping(value, allowed: nil) {
                    configuration.languageWeights[language] = try reader.weight(weight)
                }
            default:
                for item in try reader.list(value) {
                    var source = Source(path: "")
                    for (field, _, entry) in try reader.mapping(
                        item, allowed: ["path", "language", "weight"])
                    {
                        switch field {
                        case "path":
                            let given = try reader.string(entry)
                            source.path =
                                given.hasPrefix("/")
                                ? given : directory.appendingPathComponent(given).path
                        case "language": source.language = try reader.string(entry)
                        default: source.weight = try reader.weight(entry)
                        }
                    }
                    guard !source.path.isEmpty else {
                        throw reader.error(item, "a source needs a path")
                    }
                    configuration.sources.append(source)
                }
            }
        }
        return configuration
    }
}

extension ConfigurationReader {
    /// A sampling weight: a number at least 0.
    public func weight(_ node: Node) throws(ConfigurationError) -> Double {
        let value = try double(node)
        guard value >= 0 else { throw error(node, "a weight must be 0 or more (got \(value))") }
        return value
    }
}
