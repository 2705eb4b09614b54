import Foundation
import KhudiNN
import KhudiTensor

/// Generates continuations of prompts with a `LanguageModel`, through key/value caches: each
/// prompt is processed once, then each new token costs one position.
///
/// Up to `options.batchSize` prompts decode together: every step runs their newest tokens
/// through the projections as one matrix product (the weights are read once for all of them),
/// while each sequence attends over its own cache at its own position, so prompts of different
/// lengths need no padding.
public struct Generator {
    public let model: any LanguageModel
    public var options: GenerationOptions

    public init(model: any LanguageModel, options: GenerationOptions = GenerationOptions()) {
        self.model = model
        self.options = options
    }

    /// The new tokens for each prompt, in order.
    ///
    /// `onToken(prompt index, token)` sees every token as it is chosen (streaming; the
    /// prompts of a batch interleave) and returns false to stop that prompt early (stop
    /// strings). Each prompt draws from its own generator seeded from `options.seed` and its
    /// index, so results do not depend on how prompts are batched.
    public func generate(
        _ prompts: [[Int32]], onToken: (Int, Int32) -> Bool = { _, _ in true }
    ) throws(ModelError) -> [[Int32]] {
        try options.validate()
        for (index, prompt) in prompts.enumerated() {
            guard !prompt.isEmpty else { throw .badInput("prompt \(index) has no tokens") }
            guard prompt.count <= model.contextLength else {
                throw .badInput(
                    "prompt \(index) has \(prompt.count) tokens, more than the model's context of \(model.contextLength)"
                )
            }
        }
        var results = [[Int32]](repeating: [], count: prompts.count)
        guard options.maximumNewTokens > 0 else { return results }
        for first in stride(from: 0, to: prompts.count, by: options.batchSize) {
            let indices = first..<min(prompts.count, first + options.batchSize)
            var streams = indices.map { Stream(index: $0, prompt: prompts[$0], in: self) }
            // Each prompt on its own (its positions and length), keeping the last logits only.
            for s in streams.indices {
                let logits = try model.logits(
                    streams[s].seen, length: streams[s].seen.count,
                    following: [streams[s].caches], lastPositionOnly: true)
                streams[s].take(Array(logits.values), options: options, onToken: onToken)
            }
            // Then one position per live sequence per step, all in one pass.
            var live = streams.indices.filter { !streams[$0].finished }
            while !live.isEmpty {
                let logits = try model.logits(
                    live.map { streams[$0].seen[streams[$0].seen.count - 1] }, length: 1,
                    following: live.map { streams[$0].caches }, lastPositionOnly: true)
                let vocabulary = model.vocabularySize
                for (row, s) in live.enumerated() {
                    let scores = Array(
                        UnsafeBufferPointer(
                            start: logits.data + row * vocabulary, count: vocabulary))
                    streams[s].take(scores, options: options, onToken: onToken)
                }
                live.removeAll { streams[$0].finished }
            }
            for stream in streams { results[stream.index] = stream.output }
        }
        return results
    }

    /// One prompt being continued: its caches, its tokens so far and its own random draws.
    struct Stream {
        let index: Int
        let caches: [KeyValueCache]
        /// The prompt and every token chosen so far (the last one not yet fed to the model).
        var seen: [Int32]
        var output: [Int32] = []
        var random: SeededGenerator
        /// Positions the caches hold: the prompt and every token fed back.
        let capacity: Int
        let maximumNewTokens: Int
        var finished = false

        init(index: Int, prompt: [Int32], in generator: Generator) {
            let model = generator.model
            self.index = index
            seen = prompt
            maximumNewTokens = generator.options.maximumNewTokens
            capacity = min(model.contextLength, prompt.count + maximumNewTokens)
            random = SeededGenerator(seed: generator.options.seed &+ UInt64(index) &* 0x9E37_79B9)
            caches = model.makeCaches(batch: 1, capacity: capacity)
        }

        /// Chooses the next token from `logits` and decides whether the sequence goes on.
        mutating func take(
            _ logits: [Float], options: GenerationOptions, onToken: (Int, Int32) -> Bool
        ) {
            let token = Sampling.choose(logits, seen: seen, options: options, using: &random)
            output.append(token)
            seen.append(token)
            finished =
                !onToken(index, token) || options.stopTokens.contains(token)
                || output.count >= maximumNewTokens
                || seen.count > capacity  // the context is full
        }
    }
}

/// The logits processors and the draw, each a small function (transformers' order).
public enum Sampling {
    /// The next token from one row of logits.
    public static func choose(
        _ logits: [Float], seen: [Int32], options: GenerationOptions,
        using random: inout SeededGenerator
    ) -> Int32 {
        var scores = penalized(logits, seen: seen, penalty: options.repetitionPenalty)
        guard options.temperature > 0 else { return Int32(argmax(scores)) }
        for i in scores.indices { scores[i] /= options.temperature }
        scores = keepingTopK(scores, options.topK)
        scores = keepingTopP(scores, options.topP)
        return Int32(draw(softmax(scores), using: &random))
    }

    /// The first index of the largest score (as torch's argmax).
    public static func argmax(_ scores: [Float]) -> Int {
        var best = 0
        for i in scores.indices where scores[i] > scores[best] { best = i }
        return best
    }

    /// CTRL's repetition penalty over every token in `seen`.
    public static func penalized(_ logits: [Float], seen: [Int32], penalty: Float) -> [Float] {
        guard penalty != 1 else { return logits }
        var scores = logits
        for token in Set(seen) where Int(token) < scores.count && token >= 0 {
            let i = Int(token)
            scores[i] = scores[i] < 0 ? scores[i] * penalty : scores[i] / penalty
        }
        return scores
    }

    /// Scores outside the k largest set to −∞ (ties at the k-th score kept, as transformers).
    public static func keepingTopK(_ scores: [Float], _ k: Int) -> [Float] {
        guard k > 0, k < scores.count else { return scores }
        let threshold = scores.sorted(by: >)[k - 1]
        return scores.map { $0 < threshold ? -.infinity : $0 }
    }

    /// Scores outside the smallest most-likely set whose probability reaches p set to −∞ (at
    /// least one token is kept).
    public static func keepingTopP(_ scores: [Float], _ p: Float) -> [Float] {
        guard p < 1 else { return scores }
        let probabilities = softmax(scores)
        let order = scores.indices.sorted {
            scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1)
        }
        var kept = Set<Int>()
        var cumulative: Float = 0
        for index in order {
            kept.insert(index)
            cumulative += probabilities[index]
            if cumulative >= p { break }
        }
        return scores.indices.map { kept.contains($0) ? scores[$0] : -.infinity }
    }

    public static func softmax(_ scores: [Float]) -> [Float] {
        let largest = scores.max() ?? 0
        let exponentials = scores.map { $0 == -.infinity ? 0 : Foundation.exp($0 - largest) }
        let total = exponentials.reduce(0, +)
        return exponentials.map { $0 / total }
    }

    /// An index drawn with the given probabilities.
    public static func draw(_ probabilities: [Float], using random: inout SeededGenerator) -> Int {
        let target = Float(Double(random.next() >> 11) / Double(1 << 53))
        var cumulative: Float = 0
        var last = 0
        for (index, probability) in probabilities.enumerated() where probability > 0 {
            cumulative += probability
            last = index
            if target < cumulative { return index }
        }
        return last
    }
}
