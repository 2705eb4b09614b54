import KhudiTensor
import Testing
import _KhudiTestSupport

/// Every differentiable op against central finite differences (ε = 1e-3, float32 tolerances).
@Suite struct GradientCheckTests {
    func expectGradientsMatch(
        _ inputs: [Tensor], relative: Float = 1e-2, absolute: Float = 1e-3,
        _ loss: () throws -> Tensor, sourceLocation: SourceLocation = #_sourceLocation
    ) rethrows {
        let mismatches = try gradientMismatches(
            inputs, relative: relative, absolute: absolute, loss: loss)
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))", sourceLocation: sourceLocation)
    }

    @Test func addAndMultiplyWithBroadcast() {
        let a = randomTensor([3, 4, 5], seed: 1)
        let b = randomTensor([5], seed: 2)
        let c = randomTensor([3, 4, 5], seed: 3)
        let s = randomTensor([1], seed: 26)
        expectGradientsMatch([a, b, c, s]) { weightedSum((a + b) * c * b - a * 0.5 + s * s) }
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func matmulEveryTransposeCase(transposeA: Bool, transposeB: Bool) {
        let a = randomTensor(transposeA ? [4, 3] : [3, 4], seed: 4)
        let b = randomTensor(transposeB ? [5, 4] : [4, 5], seed: 5)
        expectGradientsMatch([a, b]) {
            weightedSum(matmul(a, b, transposeA: transposeA, transposeB: transposeB))
        }
    }

    @Test(arguments: [(false, false), (true, true), (false, true)], [false, true])
    func batchedMatmul(transposes: (Bool, Bool), sharedB: Bool) {
        let (tA, tB) = transposes
        let a = randomTensor(tA ? [2, 4, 3] : [2, 3, 4], seed: 6)
        let bShape = tB ? [5, 4] : [4, 5]
        let b = randomTensor(sharedB ? bShape : [2] + bShape, seed: 7)
        expectGradientsMatch([a, b]) {
            weightedSum(KhudiTensor.batchedMatmul(a, b, transposeA: tA, transposeB: tB))
        }
    }

    @Test func linearWithAndWithoutBias() {
        let x = randomTensor([2, 3, 6], seed: 8)
        let w = randomTensor([4, 6], seed: 9)
        let b = randomTensor([4], seed: 10)
        expectGradientsMatch([x, w, b]) { weightedSum(linear(x, weight: w, bias: b)) }
        expectGradientsMatch([x, w]) { weightedSum(linear(x, weight: w)) }
    }

    @Test func activations() {
        let x = randomTensor([4, 7], seed: 11, scale: 3)
        let y = randomTensor([4, 7], seed: 12)
        expectGradientsMatch([x]) { weightedSum(gelu(x)) }
        expectGradientsMatch([x]) { weightedSum(silu(x)) }
        expectGradientsMatch([x, y]) { weightedSum(swiglu(gate: x, up: y)) }
        expectGradientsMatch([x]) { weightedSum(softmax(x)) }
        expectGradientsMatch([x]) { weightedSum(exp(x * 0.5)) }
        let positive = Tensor(x.values.map { abs($0) + 0.5 }, shape: x.shape)
        expectGradientsMatch([positive]) { weightedSum(log(positive)) }
    }

    @Test func normalizations() {
        let x = randomTensor([5, 8], seed: 13, scale: 2)
        let w = randomTensor([8], seed: 14)
        let b = randomTensor([8], seed: 15)
        expectGradientsMatch([x, w, b]) { weightedSum(layerNorm(x, weight: w, bias: b)) }
        expectGradientsMatch([x, w]) { weightedSum(rmsNorm(x, weight: w)) }
    }

    @Test func embeddingWithRepeatedIDs() throws {
        let table = randomTensor([6, 4], seed: 16)
        let ids: [Int32] = [1, 3, 1, 5, 0, 1]
        try expectGradientsMatch([table]) {
            weightedSum(try embedding(ids, shape: [2, 3], table: table))
        }
    }

    @Test func crossEntropyWithIgnoredRows() throws {
        let logits = randomTensor([5, 7], seed: 17, scale: 3)
        try expectGradientsMatch([logits]) {
            try crossEntropy(logits, targets: [3, -100, 0, 6, -100]) * 2
        }
    }

    @Test func rotaryEmbedding() {
        let table = RotaryTable(headDim: 6, maxPositions: 10, theta: 100)
        let x = randomTensor([2, 4, 12], seed: 18)
        expectGradientsMatch([x]) {
            weightedSum(rotary(x, table: table, heads: 2, positionOffset: 3))
        }
    }

    @Test(arguments: [(4, 4), (4, 2), (2, 1)])
    func causalAttention(queryHeads: Int, kvHeads: Int) {
        let headDim = 3
        let q = randomTensor([2, 5, queryHeads * headDim], seed: 19)
        let k = randomTensor([2, 5, kvHeads * headDim], seed: 20)
        let v = randomTensor([2, 5, kvHeads * headDim], seed: 21)
        expectGradientsMatch([q, k, v]) {
            weightedSum(
                KhudiTensor.causalAttention(
                    query: q, key: k, value: v, queryHeads: queryHeads, kvHeads: kvHeads))
        }
    }

    /// Document masking: rows with a separator (id 9) mid-row attend within each part, and
    /// rotary positions restart after it, in both the separate and the fused forms.
    @Test(arguments: [(4, 2), (2, 2)])
    func causalAttentionWithinDocuments(queryHeads: Int, kvHeads: Int) {
        let headDim = 4
        let ids: [Int32] = [1, 2, 9, 3, 4, 5, 9, 6, 7, 8, 2, 9]
        let documents = DocumentLayout(ids: ids, batch: 2, length: 6, separator: 9)
        #expect(documents.documentStarts == [0, 0, 0, 3, 3, 3, 0, 1, 1, 1, 1, 1])
        #expect(documents.positionIDs == [0, 1, 2, 0, 1, 2, 0, 0, 1, 2, 3, 4])
        let q = randomTensor([2, 6, queryHeads * headDim], seed: 31)
        let k = randomTensor([2, 6, kvHeads * headDim], seed: 32)
        let v = randomTensor([2, 6, kvHeads * headDim], seed: 33)
        let table = RotaryTable(headDim: headDim, maxPositions: 8, theta: 100)
        expectGradientsMatch([q, k, v]) {
            weightedSum(
                KhudiTensor.causalAttention(
                    query: rotary(q, table: table, heads: queryHeads, documents: documents),
                    key: rotary(k, table: table, heads: kvHeads, documents: documents), value: v,
                    queryHeads: queryHeads, kvHeads: kvHeads, documents: documents))
        }
        let qkv = randomTensor([2, 6, 3 * 2 * headDim], seed: 34)
        expectGradientsMatch([qkv]) {
            weightedSum(KhudiTensor.causalAttention(fusedQKV: qkv, heads: 2, documents: documents))
        }
    }

    @Test func lowRankLinear() {
        let x = randomTensor([3, 5], seed: 51)
        let w = randomTensor([4, 5], seed: 52)
        let bias = randomTensor([4], seed: 53)
        let a = randomTensor([2, 5], seed: 54)
        let b = randomTensor([4, 2], seed: 55)
        expectGradientsMatch([x, w, bias, a, b]) {
            weightedSum(
                linear(
                    x, weight: w, bias: bias,
                    lowRank: LowRankUpdate(input: x, a: a, b: b, scale: 1.5)))
        }
    }

    @Test func dropoutUsesItsMaskInBackward() {
        let x = randomTensor([64], seed: 22)
        expectGradientsMatch([x]) { weightedSum(dropout(x, probability: 0.3, seed: 7)) }
    }

    @Test func layoutOperations() {
        let x = randomTensor([2, 3, 4], seed: 23)
        let y = randomTensor([2, 2, 4], seed: 24)
        expectGradientsMatch([x]) { weightedSum(x.reshaped([6, 4]) * 1.5) }
        expectGradientsMatch([x]) { weightedSum(x.transposed(0, 2)) }
        expectGradientsMatch([x]) { weightedSum(x.sliced(axis: 1, 1..<3)) }
        expectGradientsMatch([x, y]) { weightedSum(concatenate([x, y, x], axis: 1)) }
        expectGradientsMatch([x]) { mean(x * x) }
    }

    @Test func tensorUsedTwiceAccumulatesBothContributions() {
        let x = randomTensor([3], seed: 25)
        expectGradientsMatch([x]) { sum(x * x + x) }
    }
}

extension GradientCheckTests {
    /// A released gradient is rewritten from scratch by the next backward (fresh buffers are
    /// overwritten, never read); a kept one accumulates.
    @Test func releasedGradientsAreRecomputedAndKeptOnesAccumulate() {
        let x = randomTensor([6, 8], seed: 30)
        let w = randomTensor([5, 8], seed: 31)
        let norm = randomTensor([8], seed: 32)
        x.setRequiresGradient(true)
        w.setRequiresGradient(true)
        func loss() -> Tensor {
            weightedSum(
                swiglu(
                    gate: gelu(linear(layerNorm(x, weight: norm, bias: nil), weight: w)),
                    up: linear(x, weight: w)))
        }
        loss().backward()
        let first = (x.gradient ?? [], w.gradient ?? [])
        loss().backward()
        #expect(
            firstMismatch(x.gradient ?? [], first.0.map { $0 * 2 }, relative: 1e-5, absolute: 1e-6)
                == nil)
        x.releaseGradient()
        w.releaseGradient()
        #expect(x.gradient == nil)
        loss().backward()
        #expect(firstMismatch(x.gradient ?? [], first.0, relative: 1e-5, absolute: 1e-6) == nil)
        #expect(firstMismatch(w.gradient ?? [], first.1, relative: 1e-5, absolute: 1e-6) == nil)
    }
}
