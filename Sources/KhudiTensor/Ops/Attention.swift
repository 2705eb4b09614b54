import Foundation

/// Precomputed cos/sin tables for rotary position embeddings (rotate_half convention).
///
/// Frequencies are θ^(−2i/headDim) for i < headDim/2, as in Hugging Face's default RoPE; a
/// model with scaled RoPE (llama3) passes its own inverse frequencies.
public final class RotaryTable: @unchecked Sendable {
    public let headDim: Int
    public let maxPositions: Int
    let cos: UnsafeMutablePointer<Float>
    let sin: UnsafeMutablePointer<Float>

    /// Tables for `maxPositions` positions with the default frequencies for `theta`.
    public convenience init(headDim: Int, maxPositions: Int, theta: Double = 10_000) {
        let half = headDim / 2
        let frequencies = (0..<half).map { 1 / pow(theta, Double(2 * $0) / Double(headDim)) }
        self.init(headDim: headDim, maxPositions: maxPositions, inverseFrequencies: frequencies)
    }

    /// Tables from explicit inverse frequencies (headDim / 2 of them).
    public init(headDim: Int, maxPositions: Int, inverseFrequencies: [Double]) {
        shapeCheck(
            headDim % 2 == 0 && inverseFrequencies.count == headDim / 2, "RotaryTable",
            "headDim \(headDim) must be even with headDim/2 frequencies (got \(inverseFrequencies.count))"
        )
        self.headDim = headDim
        self.maxPositions = maxPositions
        let half = headDim / 2
        cos = .allocate(capacity: max(1, maxPositions * half))
        sin = .allocate(capacity: max(1, maxPositions * half))
        for position in 0..<maxPositions {
            for (i, frequency) in inverseFrequencies.enumerated() {
                let angle = Double(position) * frequency
                cos[position * half + i] = Float(Foundation.cos(angle))
                sin[position * half + i] = Float(Foundation.sin(angle))
            }
        }
    }

    deinit {
        cos.deallocate()
        sin.deallocate()
    }
}

/// Applies rotary embeddings to x (batch, tokens, heads · headDim), token t at position
/// `positionOffset + t`.
public func rotary(
    _ x: Tensor, table: RotaryTable, heads: Int, positionOffset: Int = 0
) -> Tensor {
    shapeCheck(
        x.shape.count == 3 && x.shape[2] == heads * table.headDim, "rotary",
        "input \(x.shape) is not (batch, tokens, \(heads) × \(table.headDim))")
    let (batch, tokens) = (x.shape[0], x.shape[1])
    shapeCheck(
        positionOffset + tokens <= table.maxPositions, "rotary",
        "positions up to \(positionOffset + tokens) exceed the table's \(table.maxPositions)")
    let out = Tensor.output("rotary", shape: x.shape, from: [x])
    rotaryForward(
        out.data, x.data, table.cos, table.sin, batch: batch, tokens: tokens, heads: heads,
        headDim: table.headDim, positionOffset: positionOffset)
    return out.recordBackward { out in
        guard let dX = x.gradientIfNeeded else { return }
        rotaryBackward(
            dX, out.gradientData, table.cos, table.sin, batch: batch, tokens: tokens,
            heads: heads, headDim: table.headDim, positionOffset: positionOffset)
    }
}

/// Applies rotary embeddings to x (batch, tokens, heads · headDim) at each token's position
/// within its document (`documents`), so packed documents each start at position 0.
public func rotary(
    _ x: Tensor, table: RotaryTable, heads: Int, documents: DocumentLayout
) -> Tensor {
    shapeCheck(
        x.shape.count == 3 && x.shape[2] == heads * table.headDim
            && documents.batch == x.shape[0] && documents.tokens == x.shape[1], "rotary",
        "input \(x.shape) is not (\(documents.batch), \(documents.tokens), \(heads) × \(table.headDim))"
    )
    shapeCheck(
        documents.tokens <= table.maxPositions, "rotary",
        "positions up to \(documents.tokens) exceed the table's \(table.maxPositions)")
    let (batch, tokens) = (x.shape[0], x.shape[1])
    let positions = UnsafePointer(documents.positions.pointer)
    let out = Tensor.output("rotary", shape: x.shape, from: [x])
    rotaryForward(
        out.data, x.data, table.cos, table.sin, batch: batch, tokens: tokens, heads: heads,
        headDim: table.headDim, positionOffset: 0, positions: positions)
    return out.recordBackward { out in
        guard let dX = x.gradientIfNeeded else { return }
        withExtendedLifetime(documents) {
            rotaryBackward(
                dX, out.gradientData, table.cos, table.sin, batch: batch, tokens: tokens,
                heads: heads, headDim: table.headDim, positionOffset: 0, positions: positions)
        }
    }
}

/// Causal self-attention over q (batch, tokens, queryHeads · headDim) and k, v (batch, tokens,
/// kvHeads · headDim); queryHeads must be a multiple of kvHeads (grouped-query attention; equal for
/// multi-head).
///
/// Scores are scaled by 1/√headDim. Returns q's shape.
public func causalAttention(
    query q: Tensor, key k: Tensor, value v: Tensor, queryHeads: Int, kvHeads: Int,
    documents: DocumentLayout? = nil
) -> Tensor {
    causalAttention(
        query: q, key: k, value: v, queryHeads: queryHeads, kvHeads: kvHeads,
        documents: documents, keepingProbabilities: nil)
}

/// `causalAttention(query:key:value:queryHeads:kvHeads:documents:)` with the choice between
/// keeping the probabilities for backward and recomputing them made by the caller (nil: by
/// `AttentionShape.keepsProbabilities`), so tests can run both paths.
func causalAttention(
    query q: Tensor, key k: Tensor, value v: Tensor, queryHeads: Int, kvHeads: Int,
    documents: DocumentLayout?, keepingProbabilities keep: Bool?
) -> Tensor {
    shapeCheck(
        q.shape.count == 3 && k.shape == v.shape && k.shape.count == 3
            && q.shape[0] == k.shape[0] && q.shape[1] == k.shape[1], "causalAttention",
        "query \(q.shape), key \(k.shape) and value \(v.shape) must be (batch, tokens, heads·dim)")
    shapeCheck(
        queryHeads % kvHeads == 0 && q.shape[2] % queryHeads == 0, "causalAttention",
        "\(queryHeads) query heads do not divide into \(kvHeads) kv heads over \(q.shape[2]) features"
    )
    let headDim = q.shape[2] / queryHeads
    shapeCheck(
        k.shape[2] == kvHeads * headDim, "causalAttention",
        "key \(k.shape) is not \(kvHeads) heads of \(headDim)")
    checkLayout(documents, batch: q.shape[0], tokens: q.shape[1])
    let shape = AttentionShape(
        batch: q.shape[0], tokens: q.shape[1], queryHeads: queryHeads,
        kvHeads: kvHeads, headDim: headDim, queryStride: q.shape[2], kvStride: k.shape[2],
        documentStarts: documents.map { UnsafePointer($0.starts.pointer) })
    let out = Tensor.output("causalAttention", shape: q.shape, from: [q, k, v])
    let logSumExp = Tensor(uninitialized: [shape.batch, queryHeads, shape.tokens])
    let kept = keptProbabilities(shape, for: out, keep: keep)
    attentionForward(
        out.data, logSumExp.data, q.data, k.data, v.data, shape: shape, probabilities: kept?.data)
    return out.recordBackward { out in
        // Kernels accumulate into all three; inputs that need no gradient get scratch.
        let scratch = [q, k, v].map {
            $0.requiresGradient ? nil : Tensor(repeating: 0, shape: $0.shape)
        }
        func target(_ i: Int, _ t: Tensor) -> UnsafeMutablePointer<Float> {
            scratch[i]?.data ?? t.gradientData
        }
        withExtendedLifetime(documents) {
            attentionBackward(
                target(0, q), target(1, k), target(2, v), out.gradientData,
                q.data, k.data, v.data, logSumExp.data, shape: shape,
                probabilities: kept.map { UnsafePointer($0.data) })
        }
    }
}

/// Room for the probability blocks forward keeps for backward: only when a gradient will be
/// taken, and (unless `keep` decides) only when they are small enough to keep.
private func keptProbabilities(_ shape: AttentionShape, for out: Tensor, keep: Bool?) -> Tensor? {
    guard out.requiresGradient, keep ?? shape.keepsProbabilities else { return nil }
    return Tensor(uninitialized: [shape.batch * shape.queryHeads * shape.probabilitiesPerHead])
}

/// Checks a document layout fits (batch, tokens).
func checkLayout(_ documents: DocumentLayout?, batch: Int, tokens: Int) {
    guard let documents else { return }
    shapeCheck(
        documents.batch == batch && documents.tokens == tokens, "causalAttention",
        "a document layout of \(documents.batch) × \(documents.tokens) for \(batch) × \(tokens) tokens"
    )
}

/// Causal multi-head attention reading q, k and v straight out of one fused projection (batch,
/// tokens, 3 · heads · headDim), laid out [q | k | v] as GPT-2's `c_attn` produces it.
///
/// Equivalent to slicing the three thirds and calling `causalAttention(query:key:value:…)`, without
/// the three copies (and their gradients) that slicing costs.
public func causalAttention(
    fusedQKV qkv: Tensor, heads: Int, documents: DocumentLayout? = nil
) -> Tensor {
    causalAttention(fusedQKV: qkv, heads: heads, documents: documents, keepingProbabilities: nil)
}

/// `causalAttention(fusedQKV:heads:documents:)` with the caller choosing whether forward keeps
/// the probabilities (nil: by size), so tests can run both paths.
func causalAttention(
    fusedQKV qkv: Tensor, heads: Int, documents: DocumentLayout?, keepingProbabilities keep: Bool?
) -> Tensor {
    shapeCheck(
        qkv.shape.count == 3 && qkv.shape[2] % (3 * heads) == 0, "causalAttention",
        "fused qkv \(qkv.shape) is not (batch, tokens, 3 × \(heads) heads × headDim)")
    let width = qkv.shape[2] / 3
    checkLayout(documents, batch: qkv.shape[0], tokens: qkv.shape[1])
    let shape = AttentionShape(
        batch: qkv.shape[0], tokens: qkv.shape[1], queryHeads: heads,
        kvHeads: heads, headDim: width / heads, queryStride: qkv.shape[2], kvStride: qkv.shape[2],
        documentStarts: documents.map { UnsafePointer($0.starts.pointer) })
    let out = Tensor.output(
        "causalAttention", shape: [shape.batch, shape.tokens, width], from: [qkv])
    let logSumExp = Tensor(uninitialized: [shape.batch, heads, shape.tokens])
    let kept = keptProbabilities(shape, for: out, keep: keep)
    attentionForward(
        out.data, logSumExp.data, qkv.data, qkv.data + width, qkv.data + 2 * width,
        shape: shape, probabilities: kept?.data)
    return out.recordBackward { out in
        guard let d = qkv.gradientIfNeeded else { return }
        withExtendedLifetime(documents) {
            attentionBackward(
                d, d + width, d + 2 * width, out.gradientData,
                qkv.data, qkv.data + width, qkv.data + 2 * width, logSumExp.data, shape: shape,
                probabilities: kept.map { UnsafePointer($0.data) })
        }
    }
}
