import KhudiNN
import KhudiTensor
import Testing
import _KhudiTestSupport

/// Whole training steps: the model learns, memory is reused, threads do not change results.
@Suite(.serialized) struct TrainingBehaviourTests {
    /// Batches of "d₁ d₂ d₃ d₄ SEP d₄ d₃ d₂ d₁": the loss counts only the reversed half.
    struct ReversalTask {
        static let digits = 8
        static let separator = Int32(8)
        static let length = 4
        var generator: SeededGenerator

        mutating func batch(_ size: Int) -> (inputs: [Int32], targets: [Int32]) {
            var inputs: [Int32] = []
            var targets: [Int32] = []
            for _ in 0..<size {
                let digits = (0..<Self.length).map { _ in
                    Int32(generator.next() % UInt64(Self.digits))
                }
                let sequence = digits + [Self.separator] + digits.reversed()
                inputs += sequence.dropLast()
                // Predict token i+1 from token i; only positions after the separator count.
                targets += (1..<sequence.count).map { $0 > Self.length ? sequence[$0] : -100 }
            }
            return (inputs, targets)
        }
    }

    @Test func tinyModelLearnsToReverseSequences() throws {
        let tokens = 2 * ReversalTask.length
        let model = TinyGPT2(
            vocabulary: 9, positions: tokens, dimension: 32, heads: 4, layers: 2, seed: 11)
        let store = ParameterStore(model)
        let optimizer = AdamW(store, learningRate: 3e-3, weightDecay: 0)
        var task = ReversalTask(generator: SeededGenerator(seed: 12))
        let batch = 32
        for _ in 0..<300 {
            let (inputs, targets) = task.batch(batch)
            store.zeroGradients()
            try crossEntropy(model.logits(inputs, batch: batch, tokens: tokens), targets: targets)
                .backward()
            store.clipGradients(maxNorm: 1)
            optimizer.update()
        }
        let (inputs, targets) = task.batch(64)
        let logits = try GradientMode.withoutGradients {
            try model.logits(inputs, batch: 64, tokens: tokens)
        }
        let loss = try crossEntropy(logits, targets: targets).scalarValue
        var correct = 0
        var counted = 0
        for (row, target) in targets.enumerated() where target != -100 {
            let scores = logits.values[(row * 9)..<((row + 1) * 9)]
            correct += scores.firstIndex(of: scores.max()!)! - row * 9 == Int(target) ? 1 : 0
            counted += 1
        }
        #expect(loss < 0.05, "held-out loss \(loss)")
        #expect(
            Double(correct) / Double(counted) > 0.99,
            "\(correct) of \(counted) reversed digits right")
    }

    @Test func steadyStateStepsAllocateNothingNew() throws {
        let pool = BufferPool()
        try BufferPool.$current.withValue(pool) {
            let model = TinyLlama(
                vocabulary: 50, dimension: 32, heads: 4, kvHeads: 2, hidden: 48, layers: 2,
                maxTokens: 16, theta: 10_000, seed: 3)
            let store = ParameterStore(model)
            let optimizer = AdamW(store)
            let ids = (0..<64).map { Int32($0 % 50) }
            func step() throws {
                store.zeroGradients()
                try crossEntropy(model.logits(ids, batch: 4, tokens: 16), targets: ids).backward()
                store.clipGradients(maxNorm: 1)
                optimizer.update()
            }
            try step()
            try step()
            let warm = pool.statistics
            for _ in 0..<3 { try step() }
            let after = pool.statistics
            #expect(
                after.freshAllocations == warm.freshAllocations,
                "\(after.freshFloats - warm.freshFloats) floats newly allocated")
            #expect(after.reuses > warm.reuses)
        }
    }

    @Test func resultsDoNotDependOnTheThreadCount() throws {
        func lossAndGradients(threads: Int) throws -> (Float, [Float]) {
            let before = BLASThreads.current
            BLASThreads.set(threads)
            defer { BLASThreads.set(before) }
            let model = TinyLlama(
                vocabulary: 40, dimension: 32, heads: 4, kvHeads: 2, hidden: 48, layers: 1,
                maxTokens: 32, theta: 10_000, seed: 5)
            let store = ParameterStore(model)
            let ids = (0..<128).map { Int32(($0 * 7) % 40) }
            let loss = try crossEntropy(model.logits(ids, batch: 4, tokens: 32), targets: ids)
            loss.backward()
            return (loss.scalarValue, Array(store.gradients))
        }
        let (oneLoss, oneGradients) = try lossAndGradients(threads: 1)
        let (twoLoss, twoGradients) = try lossAndGradients(threads: 4)
        #expect(oneLoss == twoLoss)
        #expect(firstMismatch(oneGradients, twoGradients, relative: 1e-6, absolute: 1e-9) == nil)
    }
}
