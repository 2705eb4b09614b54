import Foundation

/// Causal multi-head self-attention with grouped-query heads, fused: scores, mask, softmax and
/// the value product per (batch, head), batched through strided GEMMs with no copies.
///
/// Layout: q, k and v are row-major (batch · tokens, rowStride) buffers in which one token's
/// heads sit side by side (head h at columns h·headDim…), so they may be three separate tensors
/// or three column ranges of one fused QKV tensor (GPT-2's `c_attn` output). Shapes:
/// - q, dQ: (batch · tokens, ≥ queryHeads · headDim), row stride `queryStride`
/// - k, v, dK, dV: (batch · tokens, ≥ kvHeads · headDim), row stride `kvStride`
/// - out, dOut: (batch · tokens, queryHeads · headDim), contiguous
/// - logSumExp: (batch, queryHeads, tokens), saved by forward for backward
///
/// Query head h reads key/value head h / (queryHeads / kvHeads). Queries are processed in
/// blocks of `blockRows`; a block of queries ending at token r only multiplies keys 0..<r, so
/// the causal triangle costs about 5/8 of the full square at 256 tokens. When the probability
/// blocks of a head take at most four times its query activations (`keepsProbabilities`: up to
/// 448 tokens at head size 64), forward keeps them for backward, which saves backward one
/// score GEMM and one exponential per score. Longer sequences keep only one (blockRows ×
/// tokens) score block per worker at a time, and backward recomputes the probabilities from
/// the saved log-sum-exp (as FlashAttention does), so memory stays linear in the tokens.
struct AttentionShape {
    var batch: Int
    var tokens: Int
    var queryHeads: Int
    var kvHeads: Int
    var headDim: Int
    var queryStride: Int
    var kvStride: Int
    /// Per token (batch · tokens): the first key it may see (its document's start); nil: 0.
    var documentStarts: UnsafePointer<Int32>? = nil

    static let blockRows = 64

    /// Floats of one (batch, query head)'s probability blocks: Σ over query blocks of rows × keys.
    var probabilitiesPerHead: Int {
        let (full, rest) = tokens.quotientAndRemainder(dividingBy: Self.blockRows)
        return probabilityOffset(first: full * Self.blockRows) + rest * tokens
    }

    /// Where the block of queries starting at `first` (a multiple of blockRows) sits within a
    /// head's probabilities: block i holds blockRows × (i + 1)·blockRows floats.
    func probabilityOffset(first: Int) -> Int {
        let blocks = first / Self.blockRows
        return Self.blockRows * Self.blockRows * blocks * (blocks + 1) / 2
    }

    /// Whether keeping the probabilities costs at most four times the queries' own floats.
    var keepsProbabilities: Bool { probabilitiesPerHead <= 4 * tokens * headDim }

    var group: Int { queryHeads / kvHeads }
    var outStride: Int { queryHeads * headDim }
    var scale: Float { 1 / sqrtf(Float(headDim)) }

    func queryOffset(_ b: Int, _ h: Int, row: Int = 0) -> Int {
        (b * tokens + row) * queryStride + h * headDim
    }
    func kvOffset(_ b: Int, _ h: Int) -> Int { b * tokens * kvStride + h * headDim }
    func outOffset(_ b: Int, _ h: Int, row: Int = 0) -> Int {
        (b * tokens + row) * outStride + h * headDim
    }
}

/// Fills `scores` (rows × keys, keys = first + rows) with the causal probabilities of query rows
/// first..<first+rows against keys 0..<keys; with `starts` (the row's document starts), query
/// i sees only keys starts[i]…i.
///
/// With `storeLogSumExp` it computes each row's log-sum-exp into `logSumExp[row]`; otherwise it
/// reuses the stored values (backward).
private func causalProbabilities(
    _ scores: UnsafeMutablePointer<Float>, q: UnsafePointer<Float>, k: UnsafePointer<Float>,
    first: Int, rows: Int, shape s: AttentionShape, storeLogSumExp: Bool,
    logSumExp: UnsafeMutablePointer<Float>, starts: UnsafePointer<Int32>?
) {
    let keys = first + rows
    matrixMultiplyStrided(
        scores, ldc: keys, q, lda: s.queryStride, k, ldb: s.kvStride,
        m: rows, n: keys, k: s.headDim, transposeB: .transposed, alpha: s.scale)
    for r in 0..<rows {
        let row = scores + r * keys
        let visible = first + r + 1
        let from = starts.map { Int($0[first + r]) } ?? 0
        let seen = row + from
        let lse: Float
        if storeLogSumExp {
            let maximum = maximumOf(seen, visible - from)
            lse = maximum + logf(sumOfExp(seen, visible - from, minus: maximum))
            logSumExp[first + r] = lse
        } else {
            lse = logSumExp[first + r]
        }
        for j in 0..<from { row[j] = 0 }
        exponentiate(row, row, from..<visible, minus: lse)
        for j in visible..<keys { row[j] = 0 }
    }
}

/// Writes the attention output and each query's log-sum-exp; with `probabilities` (batch ·
/// queryHeads · probabilitiesPerHead floats) it also keeps every probability block there for
/// `attentionBackward`.
func attentionForward(
    _ out: UnsafeMutablePointer<Float>, _ logSumExp: UnsafeMutablePointer<Float>,
    _ q: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ v: UnsafePointer<Float>,
    shape s: AttentionShape, probabilities: UnsafeMutablePointer<Float>? = nil
) {
    let t = s.tokens
    let scratchSize = AttentionShape.blockRows * t
    let scratch = ScratchBuffers(count: probabilities == nil ? 1 : 0, size: scratchSize)
    defer { scratch.release() }
    BLASThreads.whileSingleThreaded {
        KernelThreads.forEachRange(s.batch * s.queryHeads, grain: 1) { items in
            let buffers = scratch.pop()
            defer { scratch.push(buffers) }
            for item in items {
                let (b, h) = (item / s.queryHeads, item % s.queryHeads)
                let kvHead = h / s.group
                for first in stride(from: 0, to: t, by: AttentionShape.blockRows) {
                    let rows = min(AttentionShape.blockRows, t - first)
                    let scores =
                        probabilities.map {
                            $0 + item * s.probabilitiesPerHead + s.probabilityOffset(first: first)
                        } ?? buffers[0]
                    causalProbabilities(
                        scores, q: q + s.queryOffset(b, h, row: first),
                        k: k + s.kvOffset(b, kvHead),
                        first: first, rows: rows, shape: s, storeLogSumExp: true,
                        logSumExp: logSumExp + item * t,
                        starts: s.documentStarts.map { $0 + b * t })
                    matrixMultiplyStrided(
                        out + s.outOffset(b, h, row: first), ldc: s.outStride, scores,
                        lda: first + rows,
                        v + s.kvOffset(b, kvHead), ldb: s.kvStride, m: rows, n: s.headDim,
                        k: first + rows)
                }
            }
        }
    }
}

/// Accumulates dQ, dK, dV, reading the probabilities forward kept when `probabilities` is
/// given and recomputing them otherwise (the same bits either way).
///
/// Parallel over (batch, kv head) so the query heads sharing a key/value head add into dK and dV
/// from one thread, in a fixed order.
func attentionBackward(
    _ dQ: UnsafeMutablePointer<Float>, _ dK: UnsafeMutablePointer<Float>,
    _ dV: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
    _ q: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ v: UnsafePointer<Float>,
    _ logSumExp: UnsafeMutablePointer<Float>, shape s: AttentionShape,
    probabilities stored: UnsafePointer<Float>? = nil
) {
    let t = s.tokens
    let scratchSize = AttentionShape.blockRows * t
    let scratch = ScratchBuffers(count: stored == nil ? 2 : 1, size: scratchSize)
    defer { scratch.release() }
    BLASThreads.whileSingleThreaded {
        KernelThreads.forEachRange(s.batch * s.kvHeads, grain: 1) { items in
            let buffers = scratch.pop()
            defer { scratch.push(buffers) }
            // With kept probabilities there is one buffer, dScores, and `recomputed` is unused.
            let (recomputed, dScores) = (buffers[0], buffers[buffers.count - 1])
            for item in items {
                let (b, kvHead) = (item / s.kvHeads, item % s.kvHeads)
                let kh = k + s.kvOffset(b, kvHead)
                let vh = v + s.kvOffset(b, kvHead)
                for h in (kvHead * s.group)..<((kvHead + 1) * s.group) {
                    for first in stride(from: 0, to: t, by: AttentionShape.blockRows) {
                        let rows = min(AttentionShape.blockRows, t - first)
                        let keys = first + rows
                        let qh = q + s.queryOffset(b, h, row: first)
                        let dOh = dOut + s.outOffset(b, h, row: first)
                        let head = b * s.queryHeads + h
                        let probabilities: UnsafePointer<Float>
                        if let stored {
                            probabilities =
                                stored + head * s.probabilitiesPerHead
                                + s.probabilityOffset(first: first)
                        } else {
                            causalProbabilities(
                                recomputed, q: qh, k: kh, first: first, rows: rows, shape: s,
                                storeLogSumExp: false, logSumExp: logSumExp + head * t,
                                starts: s.documentStarts.map { $0 + b * t })
                            probabilities = UnsafePointer(recomputed)
                        }
                        // dV[0..<keys] += Pᵀ · dO
                        matrixMultiplyStrided(
                            dV + s.kvOffset(b, kvHead), ldc: s.kvStride, probabilities, lda: keys,
                            dOh, ldb: s.outStride, m: keys, n: s.headDim, k: rows,
                            transposeA: .transposed, beta: 1)
                        // dP = dO · Vᵀ
                        matrixMultiplyStrided(
                            dScores, ldc: keys, dOh, lda: s.outStride, vh, ldb: s.kvStride,
                            m: rows, n: keys, k: s.headDim, transposeB: .transposed)
                        // dS = P ∘ (dP − Σ_j P·dP); zero where P is (masked keys).
                        for r in 0..<rows {
                            let p = probabilities + r * keys
                            let d = dScores + r * keys
                            let dot = sumOf(first + r + 1) { p[$0] * d[$0] }
                            for j in 0..<keys { d[j] = p[j] * (d[j] - dot) }
                        }
                        // dQ += scale · dS · K ;  dK[0..<keys] += scale · dSᵀ · Q
                        matrixMultiplyStrided(
                            dQ + s.queryOffset(b, h, row: first), ldc: s.queryStride, dScores,
                            lda: keys, kh, ldb: s.kvStride, m: rows, n: s.headDim, k: keys,
                            alpha: s.scale, beta: 1)
                        matrixMultiplyStrided(
                            dK + s.kvOffset(b, kvHead), ldc: s.kvStride, dScores, lda: keys,
                            qh, ldb: s.queryStride, m: keys, n: s.headDim, k: rows,
                            transposeA: .transposed, alpha: s.scale, beta: 1)
                    }
                }
            }
        }
    }
}

/// Per-worker scratch for a parallel kernel: one set of buffers per thread, taken from the
/// pool before the workers start and returned after, so how many workers happen to run at once
/// never changes what the pool must supply (steady-state steps allocate nothing).
final class ScratchBuffers: @unchecked Sendable {
    private let pool = BufferPool.current  // read here: task-locals do not reach the workers
    private let size: Int
    private let count: Int
    private var sets: [[UnsafeMutablePointer<Float>]]
    private let lock = NSLock()

    init(count: Int, size: Int) {
        self.size = size
        self.count = count
        let pool = self.pool
        // Dispatch runs up to one worker per core, whatever Khudi's own thread setting.
        let workers = max(KernelThreads.threadCount, ProcessInfo.processInfo.activeProcessorCount)
        sets = (0..<workers).map { _ in (0..<count).map { _ in pool.take(size) } }
    }

    func pop() -> [UnsafeMutablePointer<Float>] {
        lock.lock()
        defer { lock.unlock() }
        if let set = sets.popLast() { return set }
        return (0..<count).map { _ in pool.take(size) }  // more workers than expected
    }

    func push(_ set: [UnsafeMutablePointer<Float>]) {
        lock.lock()
        sets.append(set)
        lock.unlock()
    }

    /// Returns every buffer to the pool (call after the workers finished).
    func release() {
        for set in sets { for buffer in set { pool.give(buffer, count: size) } }
        sets.removeAll()
    }
}
