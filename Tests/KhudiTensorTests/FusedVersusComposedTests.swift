import KhudiTensor
import Testing
import _KhudiTestSupport

/// Fused ops give the same values and gradients as the same maths composed from simple ops.
@Suite struct FusedVersusComposedTests {
    /// Runs `fused` and `composed` on copies of the inputs; compares outputs and gradients.
    func expectSame(
        _ inputs: [Tensor], tolerance: Float = 1e-5, fused: ([Tensor]) throws -> Tensor,
        composed: ([Tensor]) throws -> Tensor, sourceLocation: SourceLocation = #_sourceLocation
    ) rethrows {
        func run(_ body: ([Tensor]) throws -> Tensor) rethrows -> ([Float], [[Float]]) {
            let copies = inputs.map { Tensor($0.values, shape: $0.shape, requiresGradient: true) }
            let out = try body(copies)
            weightedSum(out).backward()
            return (out.values, copies.map { $0.gradient ?? [] })
        }
        let (fusedOut, fusedGradients) = try run(fused)
        let (composedOut, composedGradients) = try run(composed)
        #expect(
            firstMismatch(fusedOut, composedOut, relative: tolerance, absolute: tolerance) == nil,
            "outputs differ", sourceLocation: sourceLocation)
        for (i, (f, c)) in zip(fusedGradients, composedGradients).enumerated() {
            #expect(
                firstMismatch(f, c, relative: tolerance, absolute: tolerance) == nil,
                "gradient of input \(i) differs", sourceLocation: sourceLocation)
        }
    }

    /// The fused LoRA layer equals base + scale · (u·Aᵀ)·Bᵀ composed, with u the input itself or
    /// a separate tensor (a dropped-out copy), with and without a bias.
    @Test(arguments: [false, true], [false, true])
    func lowRankLinearEqualsComposed(separateInput: Bool, withBias: Bool) {
        let inputs = [
            randomTensor([2, 5, 6], seed: 41), randomTensor([4, 6], seed: 42),
            randomTensor([4], seed: 43), randomTensor([3, 6], seed: 44),
            randomTensor([4, 3], seed: 45), randomTensor([2, 5, 6], seed: 46),
        ]
        expectSame(
            inputs,
            fused: { t in
                linear(
                    t[0], weight: t[1], bias: withBias ? t[2] : nil,
                    lowRank: LowRankUpdate(
                        input: separateInput ? t[5] : t[0], a: t[3], b: t[4], scale: 0.7))
            },
            composed: { t in
                linear(t[0], weight: t[1], bias: withBias ? t[2] : nil)
                    + linear(linear(separateInput ? t[5] : t[0], weight: t[3]), weight: t[4]) * 0.7
            })
    }

    /// The fused output layer and loss equal `crossEntropy(linear(…))` in value and in both
    /// gradients, with chunks of one row, of some rows and of all, an ignored target, and both
    /// reductions.
    @Test(arguments: [1, 4, 10], [LossReduction.mean, .sum])
    func linearCrossEntropyEqualsLinearThenCrossEntropy(chunkRows: Int, reduction: LossReduction) {
        let targets: [Int32] = [3, 0, -100, 12, 7, 7, 1, 2, 11, 5]
        let inputs = [
            randomTensor([2, 5, 6], seed: 51, scale: 2), randomTensor([13, 6], seed: 52),
        ]
        expectSame(
            inputs,
            fused: { t in
                try! linearCrossEntropy(
                    t[0], weight: t[1], targets: targets, reduction: reduction, chunkRows: chunkRows
                )
            },
            composed: { t in
                try! crossEntropy(
                    linear(t[0], weight: t[1]), targets: targets, reduction: reduction)
            })
    }

    /// A vocabulary of 37 runs the sixteen-wide lane loop and the tail; the loss taken together
    /// with its gradient is the same bits as the loss alone (the exponentials are summed alike).
    @Test func linearCrossEntropyOverLanesEqualsComposedAndTheGradientFreeLoss() throws {
        let targets: [Int32] = [36, 0, 17, -100, 5, 31]
        let inputs = [randomTensor([6, 8], seed: 53, scale: 3), randomTensor([37, 8], seed: 54)]
        expectSame(inputs) { t in
            try! linearCrossEntropy(t[0], weight: t[1], targets: targets)
        } composed: { t in
            try! crossEntropy(linear(t[0], weight: t[1]), targets: targets)
        }
        let trained = try linearCrossEntropy(
            Tensor(inputs[0].values, shape: [6, 8], requiresGradient: true), weight: inputs[1],
            targets: targets)
        let alone = try linearCrossEntropy(inputs[0], weight: inputs[1], targets: targets)
        #expect(trained.requiresGradient && !alone.requiresGradient)
        #expect(trained.values == alone.values)
    }

    /// With the weight frozen (LoRA) only the hidden states get a gradient, added to one that
    /// is already there; every target ignored gives 0 and no gradient.
    @Test func linearCrossEntropyWithAFrozenWeightOrNoTargets() throws {
        let targets: [Int32] = [1, 4, 0, 2, -100, 3]
        let weight = randomTensor([5, 4], seed: 61)
        let start = randomTensor([6, 4], seed: 62)
        func hiddenGradient(fused: Bool) throws -> [Float] {
            let hidden = Tensor(start.values, shape: [6, 4], requiresGradient: true)
            let loss =
                fused
                ? try linearCrossEntropy(hidden, weight: weight, targets: targets, chunkRows: 4)
                : try crossEntropy(linear(hidden, weight: weight), targets: targets)
            (loss * 3 + sum(hidden * 0.5)).backward()
            return hidden.gradient ?? []
        }
        #expect(weight.requiresGradient == false)
        let (fused, composed) = (try hiddenGradient(fused: true), try hiddenGradient(fused: false))
        #expect(firstMismatch(fused, composed, relative: 1e-5, absolute: 1e-6) == nil)

        let hidden = Tensor(start.values, shape: [6, 4], requiresGradient: true)
        let none = try linearCrossEntropy(
            hidden, weight: weight, targets: [Int32](repeating: -100, count: 6))
        #expect(none.values == [0])
        none.backward()
        #expect(hidden.gradient.map { $0.allSatisfy { $0 == 0 } } ?? true)
    }

    @Test func swigluEqualsSiluTimesUp() {
        expectSame([randomTensor([4, 9], seed: 1, scale: 3), randomTensor([4, 9], seed: 2)]) {
            swiglu(gate: $0[0], up: $0[1])
        } composed: {
            silu($0[0]) * $0[1]
        }
    }

    @Test func crossEntropyEqualsLogOfSoftmax() throws {
        let targets: [Int32] = [2, 0, -100, 4]
        let oneHot = Tensor(
            (0..<4).flatMap { row in (0..<5).map { targets[row] == Int32($0) ? Float(1) : 0 } },
            shape: [4, 5])
        try expectSame([randomTensor([4, 5], seed: 3, scale: 4)]) {
            try crossEntropy($0[0], targets: targets) * 3
        } composed: {
            sum(log(softmax($0[0])) * oneHot) * (-3 / Float(3))
        }
    }

    /// Attention composed from reshapes, batched products, an additive mask and softmax, with
    /// key/value heads repeated for grouped-query attention.
    static func composedAttention(
        _ q: Tensor, _ k: Tensor, _ v: Tensor, heads: Int, kvHeads: Int
    ) -> Tensor {
        let (b, t, d) = (q.shape[0], q.shape[1], q.shape[2] / heads)
        func split(_ x: Tensor, _ h: Int) -> Tensor {
            x.reshaped([b, t, h, d]).transposed(1, 2)  // (b, h, t, d)
        }
        func repeatHeads(_ x: Tensor) -> Tensor {
            let groups = heads / kvHeads
            let perHead = (0..<kvHeads).flatMap { h in
                [Tensor](repeating: x.sliced(axis: 1, h..<(h + 1)), count: groups)
            }
            return concatenate(perHead, axis: 1)
        }
        let qh = split(q, heads).reshaped([b * heads, t, d])
        let kh = repeatHeads(split(k, kvHeads)).reshaped([b * heads, t, d])
        let vh = repeatHeads(split(v, kvHeads)).reshaped([b * heads, t, d])
        let mask = Tensor((0..<(t * t)).map { $0 % t > $0 / t ? -1e9 : 0 }, shape: [t, t])
        let scores = batchedMatmul(qh, kh, transposeB: true) * (1 / Float(d).squareRoot()) + mask
        let out = batchedMatmul(softmax(scores), vh)
        return out.reshaped([b, heads, t, d]).transposed(1, 2).reshaped([b, t, heads * d])
    }

    @Test(arguments: [(2, 2), (4, 2), (4, 1)])
    func attentionEqualsComposedAttention(heads: Int, kvHeads: Int) {
        let d = 4
        expectSame([
            randomTensor([2, 6, heads * d], seed: 4), randomTensor([2, 6, kvHeads * d], seed: 5),
            randomTensor([2, 6, kvHeads * d], seed: 6),
        ]) {
            causalAttention(
                query: $0[0], key: $0[1], value: $0[2], queryHeads: heads, kvHeads: kvHeads)
        } composed: {
            Self.composedAttention($0[0], $0[1], $0[2], heads: heads, kvHeads: kvHeads)
        }
    }

    @Test func linearEqualsMatmulPlusBias() {
        expectSame([
            randomTensor([6, 5], seed: 7), randomTensor([3, 5], seed: 8),
            randomTensor([3], seed: 9),
        ]) {
            linear($0[0], weight: $0[1], bias: $0[2])
        } composed: {
            matmul($0[0], $0[1], transposeB: true) + $0[2]
        }
    }
}

extension FusedVersusComposedTests {
    @Test func fusedQKVAttentionEqualsSlicedAttention() {
        expectSame([randomTensor([2, 7, 3 * 3 * 4], seed: 10)]) {
            causalAttention(fusedQKV: $0[0], heads: 3)
        } composed: {
            let c = 12
            return causalAttention(
                query: $0[0].sliced(axis: 2, 0..<c), key: $0[0].sliced(axis: 2, c..<(2 * c)),
                value: $0[0].sliced(axis: 2, (2 * c)..<(3 * c)), queryHeads: 3, kvHeads: 3)
        }
    }

    @Test func attentionAcrossSeveralQueryBlocksEqualsComposed() {
        // 150 tokens span three 64-row query blocks, the last one partial.
        expectSame(
            [
                randomTensor([1, 150, 8], seed: 11), randomTensor([1, 150, 4], seed: 12),
                randomTensor([1, 150, 4], seed: 13),
            ], tolerance: 1e-4
        ) {
            causalAttention(query: $0[0], key: $0[1], value: $0[2], queryHeads: 2, kvHeads: 1)
        } composed: {
            Self.composedAttention($0[0], $0[1], $0[2], heads: 2, kvHeads: 1)
        }
    }
}
