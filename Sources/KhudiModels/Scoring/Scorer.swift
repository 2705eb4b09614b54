import Foundation
import KhudiTensor

/// Log-likelihoods under a model: the primitives evaluation harnesses are built on
/// (lm-evaluation-harness's `loglikelihood` and `loglikelihood_rolling` requests).
///
/// Requests run batched: inputs sorted by length, right-padded to the longest of their batch
/// and run in one forward pass (causal attention keeps padding out of every scored position).
/// Log-softmax is taken in Double from the Float32 logits.
public struct Scorer {
    public let model: any LanguageModel
    /// Rows × padded length of one forward pass at most (a single longer input runs alone);
    /// bounds the logits held at once to this many rows of the vocabulary.
    public var maximumBatchTokens: Int

    public init(model: any LanguageModel, maximumBatchTokens: Int = 2048) {
        self.model = model
        self.maximumBatchTokens = maximumBatchTokens
    }

    /// One forward input: `targets` are the input shifted by one; the last `scored` count.
    struct Window {
        var input: [Int32]
        var targets: [Int32]
        var scored: Int
    }

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
        var windows: [Window] = []
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
            windows.append(
                Window(
                    input: input, targets: Array(whole.suffix(input.count)),
                    scored: request.continuation.count))
        }
        return try score(windows)
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
        var windows: [Window] = []
        var start = 0  // the first target (index into tokens) of this window
        while start < tokens.count {
            let end = min(tokens.count, start + stride)
            // Inputs: up to `window` tokens of text ending just before token `end`.
            let inputEnd = end  // text[inputEnd - 1] predicts tokens[end - 1]
            let inputStart = max(0, inputEnd - window)
            let input = Array(text[inputStart..<inputEnd])
            let targets = Array(tokens[inputStart..<end])
            windows.append(Window(input: input, targets: targets, scored: end - start))
            start = end
        }
        var total = Score(logProbability: 0, isGreedy: true, tokenCount: 0)
        for part in try score(windows) {
            total.logProbability += part.logProbability
            total.isGreedy = total.isGreedy && part.isGreedy
            total.tokenCount += part.tokenCount
        }
        return total
    }

    /// Scores every window, in order, batching windows of similar length.
    func score(_ windows: [Window]) throws(ModelError) -> [Score] {
        var scores = [Score?](repeating: nil, count: windows.count)
        let order = windows.indices.sorted { windows[$0].input.count > windows[$1].input.count }
        var next = 0
        while next < order.count {
            // The longest input first, so the batch's padded length is its length.
            let length = windows[order[next]].input.count
            let rows = max(1, min(order.count - next, maximumBatchTokens / length))
            let batch = Array(order[next..<next + rows])
            var tokens: [Int32] = []
            tokens.reserveCapacity(rows * length)
            for index in batch {
                let input = windows[index].input
                tokens += input + [Int32](repeating: 0, count: length - input.count)
            }
            let logits = try inferring { try model.logits(tokens, batch: rows, length: length) }
            for (row, index) in batch.enumerated() {
                scores[index] = try score(
                    windows[index], logits: logits.data + row * length * model.vocabularySize)
            }
            next += rows
        }
        return scores.compactMap { $0 }  // every index was filled
    }

    /// Scores the last `scored` positions of `window` against its targets, from the logits
    /// of its row (input positions × vocabulary).
    func score(_ window: Window, logits: UnsafePointer<Float>) throws(ModelError) -> Score {
        let vocabulary = model.vocabularySize
        let count = window.input.count
        var result = Score(logProbability: 0, isGreedy: true, tokenCount: window.scored)
        for position in (count - window.scored)..<count {
            let row = UnsafeBufferPointer<Float>(
                start: logits + position * vocabulary, count: vocabulary)
            let target = Int(window.targets[position])
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
