import Foundation
import Testing

@testable import KhudiModels

@Suite struct ScorerTests {
    let golden: ModelGolden
    let scorer: Scorer

    init() throws {
        golden = try ModelGolden.load("llama-tiny")
        scorer = Scorer(
            model: try LlamaModel.load(
                directory: ModelGolden.directory.appendingPathComponent("llama-tiny").path))
    }

    /// log p(prompt[t + 1] | prompt[...t]) from transformers' own logits, and whether it was
    /// the argmax, for t in `positions`.
    func reference(_ positions: Range<Int>) -> (Double, Bool) {
        let vocabulary = golden.logitsShape[2]
        let prompt = golden.prompts[0]
        var total = 0.0
        var greedy = true
        for t in positions {
            let row = golden.logits[(t * vocabulary)..<((t + 1) * vocabulary)].map(Double.init)
            let largest = row.max() ?? 0
            let logSum = log(row.reduce(0) { $0 + exp($1 - largest) }) + largest
            total += row[Int(prompt[t + 1])] - logSum
            greedy = greedy && row.firstIndex(of: largest) == Int(prompt[t + 1])
        }
        return (total, greedy)
    }

    @Test func continuationLogLikelihoodsMatchTransformersLogits() throws {
        let prompt = golden.prompts[0]
        let scores = try scorer.logLikelihoods([
            (Array(prompt[..<4]), Array(prompt[4...])), (Array(prompt[..<9]), [prompt[9]]),
        ])
        let (whole, wholeGreedy) = reference(3..<9)
        let (last, lastGreedy) = reference(8..<9)
        #expect(abs(scores[0].logProbability - whole) < 1e-3)
        #expect(scores[0].isGreedy == wholeGreedy && scores[0].tokenCount == 6)
        #expect(abs(scores[1].logProbability - last) < 1e-4)
        #expect(scores[1].isGreedy == lastGreedy)
        #expect(scores[0].logProbability < 0)
    }

    @Test func rollingScoresEveryTokenOnce() throws {
        let prompt = golden.prompts[0]
        let tokens = Array(prompt.dropFirst())
        let full = try scorer.rollingLogLikelihood(tokens, prefix: prompt[0])
        #expect(full.tokenCount == tokens.count)
        #expect(abs(full.logProbability - reference(0..<9).0) < 1e-3)
        // Short windows see less context: every token is still scored once, and the total
        // equals scoring each stride's tokens after its window's context.
        let windowed = try scorer.rollingLogLikelihood(
            tokens, prefix: prompt[0], window: 4, stride: 2)
        #expect(windowed.tokenCount == tokens.count)
        let text = [prompt[0]] + tokens
        var expected = 0.0
        for start in stride(from: 0, to: tokens.count, by: 2) {
            let end = min(tokens.count, start + 2)
            let contextStart = max(0, end - 4)
            let score = try scorer.logLikelihoods([
                (Array(text[contextStart...start]), Array(tokens[start..<end]))
            ])[0]
            expected += score.logProbability
        }
        #expect(abs(windowed.logProbability - expected) < 1e-4)
    }

    /// Requests of different lengths batched (right-padded, one forward pass) score as they
    /// do one per pass, in the order given.
    @Test func batchedScoresEqualOneAtATime() throws {
        let prompt = golden.prompts[0]
        let requests: [(context: [Int32], continuation: [Int32])] = [
            ([prompt[0]], Array(prompt[1..<3])), (Array(prompt[..<7]), Array(prompt[7...])),
            (Array(prompt[2..<4]), [prompt[4]]), (Array(prompt[..<9]), [prompt[9]]),
        ]
        var single = scorer
        single.maximumBatchTokens = 1
        let alone = try single.logLikelihoods(requests)
        let batched = try scorer.logLikelihoods(requests)
        for (a, b) in zip(alone, batched) {
            #expect(abs(a.logProbability - b.logProbability) < 1e-4)
            #expect(a.isGreedy == b.isGreedy && a.tokenCount == b.tokenCount)
        }
        #expect(alone.map(\.tokenCount) == [2, 3, 1, 1])
        let rolledAlone = try single.rollingLogLikelihood(
            Array(prompt.dropFirst()), prefix: prompt[0], window: 4, stride: 3)
        let rolled = try scorer.rollingLogLikelihood(
            Array(prompt.dropFirst()), prefix: prompt[0], window: 4, stride: 3)
        #expect(abs(rolled.logProbability - rolledAlone.logProbability) < 1e-4)
    }

    @Test func badRequestsAreRefused() throws {
        #expect(throws: ModelError.self) { try scorer.logLikelihoods([([], [1])]) }
        #expect(throws: ModelError.self) { try scorer.logLikelihoods([([1], [])]) }
        #expect(throws: ModelError.self) {
            try scorer.rollingLogLikelihood([1, 2], prefix: 0, window: 65)
        }
        #expect(throws: ModelError.self) {
            try scorer.rollingLogLikelihood([1, 2], prefix: 0, window: 4, stride: 5)
        }
        #expect(throws: ModelError.self) { try scorer.logLikelihoods([([1], [500])]) }
    }
}
