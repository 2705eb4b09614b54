import Testing
import _KhudiTestSupport

@testable import KhudiTensor

/// Attention's backward reads the probabilities forward kept when they are small enough and
/// recomputes them otherwise; both paths must give the same bits.
@Suite struct KeptAttentionProbabilitiesTests {
    /// Output and input gradients of one attention call, with the path chosen by `keep`.
    func run(
        _ inputs: [Tensor], keep: Bool, _ attention: ([Tensor], Bool) -> Tensor
    ) -> [[Float]] {
        let copies = inputs.map { Tensor($0.values, shape: $0.shape, requiresGradient: true) }
        let out = attention(copies, keep)
        weightedSum(out).backward()
        return [out.values] + copies.map { $0.gradient ?? [] }
    }

    @Test func keptAndRecomputedProbabilitiesGiveTheSameBits() {
        // 150 tokens: three query blocks, the last partial; two documents per row; GQA 4 → 2.
        let (tokens, d) = (150, 8)
        let ids: [Int32] = (0..<(2 * tokens)).map { i in i % 97 == 60 ? 1 : Int32(5 + i % 7) }
        let documents = DocumentLayout(ids: ids, batch: 2, length: tokens, separator: 1)
        let inputs = [
            randomTensor([2, tokens, 4 * d], seed: 21), randomTensor([2, tokens, 2 * d], seed: 22),
            randomTensor([2, tokens, 2 * d], seed: 23),
        ]
        for layout in [nil, documents] {
            let paths = [true, false].map { keep in
                run(inputs, keep: keep) { t, keep in
                    causalAttention(
                        query: t[0], key: t[1], value: t[2], queryHeads: 4, kvHeads: 2,
                        documents: layout, keepingProbabilities: keep)
                }
            }
            let same = paths[0] == paths[1]
            #expect(same, "kept and recomputed differ (documents: \(layout != nil))")
            #expect(paths[0].allSatisfy { $0.contains { $0 != 0 } })
        }
    }

    @Test func fusedQKVKeptAndRecomputedGiveTheSameBits() {
        let inputs = [randomTensor([2, 70, 3 * 2 * 8], seed: 24)]
        let paths = [true, false].map { keep in
            run(inputs, keep: keep) { t, keep in
                causalAttention(
                    fusedQKV: t[0], heads: 2, documents: nil, keepingProbabilities: keep)
            }
        }
        let same = paths[0] == paths[1]
        #expect(same, "kept and recomputed differ")
    }

    @Test func probabilityBlocksAreLaidOutBackToBack() {
        func shape(tokens: Int, headDim: Int = 64) -> AttentionShape {
            AttentionShape(
                batch: 1, tokens: tokens, queryHeads: 1, kvHeads: 1, headDim: headDim,
                queryStride: headDim, kvStride: headDim)
        }
        // Blocks of 64 rows against 64, 128 and then all 150 keys.
        #expect(shape(tokens: 150).probabilitiesPerHead == 64 * 64 + 64 * 128 + 22 * 150)
        #expect(shape(tokens: 150).probabilityOffset(first: 128) == 64 * 64 + 64 * 128)
        #expect(shape(tokens: 64).probabilitiesPerHead == 64 * 64)
        #expect(shape(tokens: 3).probabilitiesPerHead == 9)
        // Kept up to 448 tokens at head size 64 (at most 4 × the queries' floats), not at 512.
        #expect(shape(tokens: 448).keepsProbabilities)
        #expect(!shape(tokens: 512).keepsProbabilities)
        #expect(!shape(tokens: 256, headDim: 32).keepsProbabilities)
    }
}
