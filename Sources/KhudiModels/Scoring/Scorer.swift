import Foundation
import KhudiTensor

/// Log-likelihoods under a model: the primitives evaluation harnesses are built on
/// (lm-evaluation-harness's `loglikelihood` and `loglikelihood_rolling` requests).
///
/// Log-softmax is taken in Double from the Float32 logits.
public struct Scorer {
    public let model: any LanguageModel

    public init(model: any LanguageModel) { self.model = model }

    /// One scored continuation: Σ log p(token | everything before it) over the continuation,
    /// and whether every continuation token was the model's most likely one.
    public struct Score: Equatable, Sendable {
        public var logProbability: Double
        public var isGreedy: Bool
        public var tokenCount: Int
    }

    /// log p(continuation | context) for each request, in order.
    ///
    /// A request longer than the context keeps its last `contextLength + 1` tokens (the
    /// context is cut from the left, as the harness does); the continuation must fit.
    public func logLikelihoods(
        _ requests: [(context: [Int32], continuation: [Int32])]
    ) throws(ModelError) -> [Score] {
        var scores: [Score] = []
        for (index, request) in requests.enumerated() {
            guard !request.context.isEmpty, !request.continuation.isEmpty else {
                throw .badInput("request \(index) needs a non-empty context and continuation")
            }
            guard request.continuation.count <= model.contextLength else {
                throw .badInput(
                    "request \(index): a continuation of \(request.continuation.count) tokens exceeds the context of \(model.contextLength)"
                )
            }
            let whole = request.context + request.continuation
            let input = Array(whole.dropLast().suffix(model.contextLength))
            scores.append(
                try score(
                    input: input, targets: Array(whole.suffix(input.count)),
                    scored: request.continuation.count))
        }
        return scores
    }

    /// The log-likelihood of a whole text, in windows.
    ///
    /// Windows hold `window` tokens (default: the model's context), of which the last `stride`
    /// (default: all) are scored; the first token is predicted from `prefix` (an end-of-text or
    /// beginning token). Every token is scored exactly once.
    public func rollingLogLikelihood(
        _ tokens: [Int32], prefix: Int32, window: Int? = nil, stride: Int? = nil
    ) throws(ModelError) -> Score {
        let window = window ?? model.contextLength
        let stride = stride ?? window
        guard window >= 1, window <= model.contextLength, stride >= 1, stride <= window else {
            throw .badInput(
                "window \(window) and stride \(stride) must satisfy 1 ≤ stride ≤ window ≤ \(model.contextLength)"
            )
        }
        let text = [prefix] + tokens
        var total = Score(logProbability: 0, isGreedy: true, tokenCount: 0)
        var start = 0  // the first target (index into tokens) of this window
        while start < tokens.count {
            let end = min(tokens.count, start + stride)
            // Inputs: up to `window` tokens of text ending just before token `end`.
            let inputEnd = end  // text[inputEnd - 1] predicts tokens[end - 1]
            let inputStart = max(0, inputEnd - window)
            let input = Array(text[inputStart..<inputEnd])
            let targets = Array(tokens[inputStart..<end])
            let part = try score(input: input, targets: targets, scored: end - start)
            total.logProbability += part.logProbability
            total.isGreedy = total.isGreedy && part.isGreedy
            total.tokenCount += part.tokenCount
            start = end
        }
        return total
    }

    /// Runs `input` and scores its last `scored` positions against `targets` (input shifted
    /// by one).
    func score(input: [Int32], targets: [Int32], scored: Int) throws(ModelError) -> Score {
        let logits = try inferring { try model.logits(input, batch: 1, length: input.count) }
        let vocabulary = model.vocabularySize
        var result = Score(logProbability: 0, isGreedy: true, tokenCount: scored)
        for position in (input.count - scored)..<input.count {
            let row = UnsafeBufferPointer<Float>(
                start: logits.data + position * vocabulary, count: vocabulary)
            let target = Int(targets[position])
            guard target >= 0, target < vocabulary else {
                throw .badInput("token id \(target) is outside the vocabulary of \(vocabulary)")
            }
            var largest = -Float.infinity
            var best = 0
            for (index, value) in row.enumerated() where value > largest {
                largest = value
                best = index
            }
            let sum = row.reduce(0.0) { $0 + Foundation.exp(Double($1 - largest)) }
            result.logProbability += Double(row[target] - largest) - Foundation.log(sum)
            result.isGreedy = result.isGreedy && best == target
        }
        return result
    }
}
