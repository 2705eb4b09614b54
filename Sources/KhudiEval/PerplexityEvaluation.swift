import Foundation
import KhudiModels
import KhudiTokenizer

/// Perplexity of a model on texts: per file, the mean negative log-likelihood per token, its
/// exponent, and bits per byte (negative log-likelihood in bits over the text's UTF-8 bytes),
/// which compares models with different tokenizers.
///
/// A file is split into documents at blank lines; each document is scored on its own with
/// lm-evaluation-harness's rolling log-likelihood (its first token predicted from the
/// tokenizer's beginning token, or its end-of-text token when it has none, and windows of the
/// model's context, every token scored once).
public struct PerplexityEvaluation {
    public struct Result: Sendable, Equatable, Codable {
        public var file: String
        public var documents: Int
        public var tokens: Int
        public var bytes: Int
        /// Σ −log p over every token, in nats.
        public var negativeLogLikelihood: Double

        public init(
            file: String, documents: Int, tokens: Int, bytes: Int, negativeLogLikelihood: Double
        ) {
            self.file = file
            self.documents = documents
            self.tokens = tokens
            self.bytes = bytes
            self.negativeLogLikelihood = negativeLogLikelihood
        }

        public var loss: Double { negativeLogLikelihood / Double(max(1, tokens)) }
        public var perplexity: Double { Foundation.exp(loss) }
        public var bitsPerByte: Double {
            negativeLogLikelihood / Foundation.log(2) / Double(max(1, bytes))
        }
    }

    public let model: any LanguageModel
    public let tokenizer: any TextTokenizer
    /// Tokens per window (default: the model's context); `stride` of them are scored.
    public var window: Int?
    public var stride: Int?

    public init(model: any LanguageModel, tokenizer: any TextTokenizer) {
        self.model = model
        self.tokenizer = tokenizer
    }

    /// The token every document's first token is predicted from.
    var prefix: Int32? {
        (tokenizer.template.prefix.first ?? tokenizer.id(ofSpecial: "<|bos|>")
            ?? tokenizer.endOfTextID).map(Int32.init)
    }

    /// Scores `text` (named `file` in the result).
    public func evaluate(text: String, file: String) throws(ModelError) -> Result {
        guard let prefix else {
            throw .tokenizer(
                path: file,
                reason:
                    "the tokenizer has no beginning or end-of-text token to start documents with")
        }
        let documents = text.components(separatedBy: "\n\n")
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }
        var result = Result(
            file: file, documents: documents.count, tokens: 0, bytes: 0, negativeLogLikelihood: 0)
        let scorer = Scorer(model: model)
        for document in documents {
            let tokens = tokenizer.encode(document).map(Int32.init)
            guard !tokens.isEmpty else { continue }
            let score = try scorer.rollingLogLikelihood(
                tokens, prefix: prefix, window: window, stride: stride)
            result.tokens += score.tokenCount
            result.bytes += document.utf8.count
            result.negativeLogLikelihood -= score.logProbability
        }
        return result
    }
}
