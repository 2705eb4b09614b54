import Foundation
import KhudiNN
import KhudiTensor
import Testing

/// A module holding given tensors, for optimizer tests.
final class Parameters: Module {
    let namedParameters: [(name: String, tensor: Tensor)]
    init(_ list: [(String, Tensor)]) { namedParameters = list }
}

@Suite struct OptimizerTests {
    @Test func sgdWithMomentumMatchesHandComputation() {
        let w = Tensor([1, 2], shape: [1, 2], requiresGradient: true)
        let store = ParameterStore(Parameters([("w", w)]))
        let sgd = SGD(store, learningRate: 0.1, momentum: 0.9)
        // Gradient of sum(w²) is 2w.
        sum(w * w).backward()  // g = [2, 4]; b = g; w = [0.8, 1.6]
        sgd.update()
        #expect(w.values == [0.8, 1.6])
        store.zeroGradients()
        sum(w * w).backward()  // g = [1.6, 3.2]; b = 0.9·[2,4] + g = [3.4, 6.8]; w −= 0.1·b
        sgd.update()
        #expect(zip(w.values, [0.46, 0.92]).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test func adamWFirstStepMovesEachWeightByTheLearningRate() {
        // At step 1, m̂ = g and v̂ = g², so the update is lr·g/(|g| + ε) ≈ lr·sign(g);
        // decoupled decay first multiplies matrices (not vectors) by 1 − lr·λ.
        let matrix = Tensor([1, -1], shape: [1, 2], requiresGradient: true)
        let vector = Tensor([1], shape: [1], requiresGradient: true)
        let store = ParameterStore(Parameters([("m", matrix), ("v", vector)]))
        let adam = AdamW(store, learningRate: 0.1, weightDecay: 0.5)
        sum(matrix * 3 + vector * -2).backward()
        adam.update()
        #expect(abs(matrix.values[0] - (1 * 0.95 - 0.1)) < 1e-6)
        #expect(abs(matrix.values[1] - (-1 * 0.95 - 0.1)) < 1e-6)
        #expect(abs(vector.values[0] - 1.1) < 1e-6)
        #expect(adam.step == 1)
    }

    @Test func adamWUpdatesEveryLaneAndTheTailAsTheScalarFormulaDoes() {
        // 21 elements: two groups of eight lanes and a tail of five, which takes the padded
        // path; each must equal PyTorch's formula evaluated one float at a time, to the bit.
        let count = 21
        let initial = (0..<count).map { Float($0) * 0.37 - 3.1 }
        let w = Tensor(initial, shape: [3, 7], requiresGradient: true)
        let store = ParameterStore(Parameters([("w", w)]))
        let (lr, decay, beta1, beta2, eps): (Float, Float, Float, Float, Float) = (
            0.01, 0.1, 0.9, 0.95, 1e-8
        )
        let adam = AdamW(
            store, learningRate: lr, beta1: beta1, beta2: beta2, epsilon: eps, weightDecay: decay)
        var (p, m, v) = (
            initial, [Float](repeating: 0, count: count), [Float](repeating: 0, count: count)
        )
        for step in 1...3 {
            store.zeroGradients()
            let gradients = (0..<count).map { Float(($0 * 7 + step * 3) % 11) - 5.5 }
            for i in 0..<count { store.gradients[i] = gradients[i] }
            adam.update()
            let stepSize = lr / (1 - pow(beta1, Float(step)))
            let correction2Root = (1 - pow(beta2, Float(step))).squareRoot()
            for i in 0..<count {
                let g = gradients[i]
                p[i] *= 1 - lr * decay
                m[i] = beta1 * m[i] + (1 - beta1) * g
                v[i] = beta2 * v[i] + (1 - beta2) * g * g
                p[i] -= stepSize * m[i] / (v[i].squareRoot() / correction2Root + eps)
            }
            #expect(w.values == p, "step \(step)")
            #expect(adam.firstMoment == m && adam.secondMoment == v, "step \(step)")
        }
    }

    @Test func gradientNormCountsEveryElement() {
        // 13 gradients: one group of eight lanes and a tail of five.
        let w = Tensor((0..<13).map { Float($0) }, shape: [13], requiresGradient: true)
        let store = ParameterStore(Parameters([("w", w)]))
        sum(w * w).backward()  // g = 2w
        let expected = (0..<13).reduce(0.0) { $0 + Double(4 * $1 * $1) }.squareRoot()
        #expect(store.gradientNorm() == Float(expected))
    }

    @Test func clippingScalesToTheMaximumNormAndReportsTheOriginal() {
        let w = Tensor([3, 4], shape: [2], requiresGradient: true)
        let store = ParameterStore(Parameters([("w", w)]))
        sum(w * w).backward()  // g = [6, 8], norm 10
        #expect(store.clipGradients(maxNorm: 5) == 10)
        #expect(abs(store.gradientNorm() - 5) < 1e-4)
        #expect(store.clipGradients(maxNorm: 100) < 5.001)  // below the limit: unchanged
    }

    @Test func schedulesFollowTheirDefinitions() {
        let cosine = LearningRateSchedule.warmupCosine(peak: 1, floor: 0.1, warmup: 4, total: 14)
        #expect(cosine.rate(at: 0) == 0.25)
        #expect(cosine.rate(at: 3) == 1)
        #expect(abs(cosine.rate(at: 9) - 0.55) < 1e-6)  // halfway through the decay
        #expect(cosine.rate(at: 14) == 0.1)
        #expect(cosine.rate(at: 1_000) == 0.1)
        let wsd = LearningRateSchedule.warmupStableDecay(
            peak: 2, floor: 0, warmup: 2, decay: 4, total: 10)
        #expect(wsd.rate(at: 0) == 1)
        #expect(wsd.rate(at: 5) == 2)
        #expect(wsd.rate(at: 8) == 1)
        #expect(wsd.rate(at: 10) == 0)
        #expect(LearningRateSchedule.constant(peak: 3).rate(at: 77) == 3)
    }

    @Test func storeIsFlatAndGradientsLandInIt() {
        let a = Tensor([1, 2, 3, 4], shape: [2, 2], requiresGradient: true)
        let frozen = Tensor([5], shape: [1])
        let b = Tensor([6, 7], shape: [2], requiresGradient: true)
        let store = ParameterStore(Parameters([("a", a), ("frozen", frozen), ("b", b)]))
        #expect(Array(store.values) == [1, 2, 3, 4, 5, 6, 7])
        #expect(store.trainableCount == 6)
        #expect(store.entries.map(\.decays) == [true, false, false], "matrices decay")
        sum(a * 2 + frozen).backward()
        sum(b * 3).backward()
        #expect(Array(store.gradients) == [2, 2, 2, 2, 3, 3])
        store.values[0] = 10
        #expect(a.values[0] == 10, "parameters read from the flat buffer")
        #expect(store.values(of: "b") == [6, 7])
    }

    @Test func gradientAccumulationWithSumReductionEqualsOneBigBatch() throws {
        // Two micro-batches with different numbers of unmasked targets; summing losses and
        // dividing by the total count must equal the mean over the whole batch.
        let w = Tensor(
            (0..<12).map { Float($0) / 10 - 0.5 }, shape: [4, 3], requiresGradient: true)
        let x = Tensor((0..<18).map { Float($0 % 5) / 4 }, shape: [6, 3])
        let targets: [Int32] = [0, 3, -100, 1, 2, -100]
        let store = ParameterStore(Parameters([("w", w)]))
        try crossEntropy(linear(x, weight: w), targets: targets).backward()
        let whole = Array(store.gradients)
        store.zeroGradients()
        let counted = Float(targets.filter { $0 != -100 }.count)
        for half in [0..<2, 2..<6] {
            let part = x.sliced(axis: 0, half)
            let loss = try crossEntropy(
                linear(part, weight: w), targets: Array(targets[half]), reduction: .sum)
            (loss * (1 / counted)).backward()
        }
        #expect(zip(Array(store.gradients), whole).allSatisfy { abs($0 - $1) < 1e-6 })
    }
}
