import Foundation

/// Causal multi-head self-attention with grouped-query heads, fused: scores, mask, softmax and
/// the value product per (batch, head), batched through strided GEMMs with no copies.
///
/// Shapes (row-major):
/// - `q`, `out`, `dQ`, `dOut`: (batch · tokens, queryHeads · headDim)
/// - `k`, `v`, `dK`, `dV`:     (batch · tokens, kvHeads · headDim)
/// - `logSumExp`:             (batch, queryHeads, tokens), saved by forward for backward
///
/// Query head h reads key/value head h / (queryHeads / kvHeads). Only one (tokens × tokens)
/// score block per worker exists at a time: backward recomputes the probabilities from the
/// saved log-sum-exp (as FlashAttention does) instead of storing them for every head.
struct AttentionShape {
    var batch: Int
    var tokens: Int
    var queryHeads: Int
    var kvHeads: Int
    var headDim: Int

    var group: Int { queryHeads / kvHeads }
    var queryStride: Int { queryHeads * headDim }
    var kvStride: Int { kvHeads * headDim }
    var scale: Float { 1 / sqrtf(Float(headDim)) }

    func queryOffset(_ b: Int, _ h: Int) -> Int { b * tokens * queryStride + h * headDim }
    func kvOffset(_ b: Int, _ h: Int) -> Int { b * tokens * kvStride + h * headDim }
}

/// Fills `scores` (tokens × tokens) with the causal probabilities of one (batch, head) and,
/// when `logSumExp` is given, computes and stores each row's log-sum-exp there; otherwise uses
/// the stored values (backward's recomputation).
private func causalProbabilities(
    _ scores: UnsafeMutablePointer<Float>, q: UnsafePointer<Float>, k: UnsafePointer<Float>,
    shape s: AttentionShape, storeLogSumExp: Bool, logSumExp: UnsafeMutablePointer<Float>
) {
    let t = s.tokens
    matrixMultiplyStrided(
        scores, ldc: t, q, lda: s.queryStride, k, ldb: s.kvStride,
        m: t, n: t, k: s.headDim, transposeB: .transposed, alpha: s.scale)
    for i in 0..<t {
        let row = scores + i * t
        var lse: Float
        if storeLogSumExp {
            var maximum = -Float.infinity
            for j in 0...i { maximum = max(maximum, row[j]) }
            var sum: Float = 0
            for j in 0...i { sum += expf(row[j] - maximum) }
            lse = maximum + logf(sum)
            logSumExp[i] = lse
        } else {
            lse = logSumExp[i]
        }
        for j in 0...i { row[j] = expf(row[j] - lse) }
        for j in (i + 1)..<max(i + 1, t) { row[j] = 0 }
    }
}

func attentionForward(
    _ out: UnsafeMutablePointer<Float>, _ logSumExp: UnsafeMutablePointer<Float>,
    _ q: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ v: UnsafePointer<Float>,
    shape s: AttentionShape
) {
    let t = s.tokens
    let pool = BufferPool.current  // read here: task-locals do not reach Dispatch's workers
    BLASThreads.whileSingleThreaded {
        KernelThreads.forEachRange(s.batch * s.queryHeads, grain: 1) { items in
            let scores = pool.take(t * t)
            defer { pool.give(scores, count: t * t) }
            for item in items {
                let (b, h) = (item / s.queryHeads, item % s.queryHeads)
                let kvHead = h / s.group
                causalProbabilities(
                    scores, q: q + s.queryOffset(b, h), k: k + s.kvOffset(b, kvHead), shape: s,
                    storeLogSumExp: true, logSumExp: logSumExp + item * t)
                matrixMultiplyStrided(
                    out + s.queryOffset(b, h), ldc: s.queryStride, scores, lda: t,
                    v + s.kvOffset(b, kvHead), ldb: s.kvStride, m: t, n: s.headDim, k: t)
            }
        }
    }
}

/// Accumulates dQ, dK, dV. Parallel over (batch, kv head) so the query heads sharing a
/// key/value head add into dK and dV from one thread, in a fixed order.
func attentionBackward(
    _ dQ: UnsafeMutablePointer<Float>, _ dK: UnsafeMutablePointer<Float>,
    _ dV: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
    _ q: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ v: UnsafePointer<Float>,
    _ logSumExp: UnsafeMutablePointer<Float>, shape s: AttentionShape
) {
    let t = s.tokens
    let pool = BufferPool.current
    BLASThreads.whileSingleThreaded {
        KernelThreads.forEachRange(s.batch * s.kvHeads, grain: 1) { items in
            let probabilities = pool.take(t * t)
            let dScores = pool.take(t * t)
            defer {
                pool.give(probabilities, count: t * t)
                pool.give(dScores, count: t * t)
            }
            for item in items {
                let (b, kvHead) = (item / s.kvHeads, item % s.kvHeads)
                let kh = k + s.kvOffset(b, kvHead)
                let vh = v + s.kvOffset(b, kvHead)
                for h in (kvHead * s.group)..<((kvHead + 1) * s.group) {
                    let qh = q + s.queryOffset(b, h)
                    let dOh = dOut + s.queryOffset(b, h)
                    causalProbabilities(
                        probabilities, q: qh, k: kh, shape: s, storeLogSumExp: false,
                        logSumExp: logSumExp + (b * s.queryHeads + h) * t)
                    // dV += Pᵀ · dO
                    matrixMultiplyStrided(
                        dV + s.kvOffset(b, kvHead), ldc: s.kvStride, probabilities, lda: t,
                        dOh, ldb: s.queryStride, m: t, n: s.headDim, k: t,
                        transposeA: .transposed, beta: 1)
                    // dP = dO · Vᵀ
                    matrixMultiplyStrided(
                        dScores, ldc: t, dOh, lda: s.queryStride, vh, ldb: s.kvStride,
                        m: t, n: t, k: s.headDim, transposeB: .transposed)
                    // dS = P ∘ (dP − Σ_j P·dP), zero above the diagonal because P is.
                    for i in 0..<t {
                        let p = probabilities + i * t
                        let d = dScores + i * t
                        var dot: Float = 0
                        for j in 0...i { dot += p[j] * d[j] }
                        for j in 0..<t { d[j] = p[j] * (d[j] - dot) }
                    }
                    // dQ += scale · dS · K ;  dK += scale · dSᵀ · Q
                    matrixMultiplyStrided(
                        dQ + s.queryOffset(b, h), ldc: s.queryStride, dScores, lda: t,
                        kh, ldb: s.kvStride, m: t, n: s.headDim, k: t,
                        alpha: s.scale, beta: 1)
                    matrixMultiplyStrided(
                        dK + s.kvOffset(b, kvHead), ldc: s.kvStride, dScores, lda: t,
                        qh, ldb: s.queryStride, m: t, n: s.headDim, k: t,
                        transposeA: .transposed, alpha: s.scale, beta: 1)
                }
            }
        }
    }
}
