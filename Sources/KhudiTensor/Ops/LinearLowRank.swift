/// The low-rank term of a LoRA layer: scale · (input · Aᵀ) · Bᵀ.
///
/// A is (rank, in) and B (out, rank); `input` is the layer's input, or a dropped-out copy.
public struct LowRankUpdate {
    public var input: Tensor
    public var a: Tensor
    public var b: Tensor
    public var scale: Float

    public init(input: Tensor, a: Tensor, b: Tensor, scale: Float) {
        self.input = input
        self.a = a
        self.b = b
        self.scale = scale
    }
}

/// x·Wᵀ + bias + scale · (u·Aᵀ)·Bᵀ in one output buffer (a LoRA layer), fused.
///
/// Equal to `linear(x, weight:, bias:) + linear(linear(u, weight: A) * scale, weight: B)`
/// without its three full-width intermediates: the low-rank product is accumulated into the
/// output by a second GEMM (beta 1), and backward keeps only the (rows, rank) u·Aᵀ. Saves two
/// (rows × out) buffers per adapted layer, forward and backward.
public func linear(
    _ x: Tensor, weight: Tensor, bias: Tensor? = nil, lowRank update: LowRankUpdate
) -> Tensor {
    let (a, b, u, scale) = (update.a, update.b, update.input, update.scale)
    let (outFeatures, inFeatures) = (weight.shape[0], weight.shape[1])
    let rank = a.shape.count == 2 ? a.shape[0] : 0
    shapeCheck(
        a.shape == [rank, inFeatures] && b.shape == [outFeatures, rank] && u.shape == x.shape,
        "linear",
        "low-rank A \(a.shape), B \(b.shape) and input \(u.shape) do not fit weight \(weight.shape) and input \(x.shape)"
    )
    shapeCheck(
        x.shape.last == inFeatures && bias.map { $0.shape == [outFeatures] } ?? true, "linear",
        "input \(x.shape) or bias \(bias?.shape ?? []) does not fit weight \(weight.shape)")
    let rows = x.count / inFeatures
    var outShape = x.shape
    outShape[outShape.count - 1] = outFeatures
    let separate = u !== x
    let parents = [x, weight] + (bias.map { [$0] } ?? []) + (separate ? [u] : []) + [a, b]
    let out = Tensor.output("linearLowRank", shape: outShape, from: parents)
    if let bias {
        for r in 0..<rows {
            (out.data + r * outFeatures).update(from: bias.data, count: outFeatures)
        }
    }
    matrixMultiplyStrided(
        out.data, ldc: outFeatures, x.data, lda: inFeatures, weight.data, ldb: inFeatures,
        m: rows, n: outFeatures, k: inFeatures, transposeB: .transposed,
        beta: bias == nil ? 0 : 1)
    // h = u · Aᵀ (rows, rank), kept for backward; out += scale · h · Bᵀ.
    let h = Tensor(uninitialized: [rows, rank])
    matrixMultiplyStrided(
        h.data, ldc: rank, u.data, lda: inFeatures, a.data, ldb: inFeatures,
        m: rows, n: rank, k: inFeatures, transposeB: .transposed)
    matrixMultiplyStrided(
        out.data, ldc: outFeatures, h.data, lda: rank, b.data, ldb: rank,
        m: rows, n: outFeatures, k: rank, transposeB: .transposed, alpha: scale, beta: 1)
    return out.recordBackward { out in
        let g = out.gradientData
        linearBackward(g, x: x, weight: weight, bias: bias, rows: rows)
        // dB += scale · gᵀ · h ; dh = scale · g · B ; dA += dhᵀ · u ; du += dh · A.
        if let dB = b.gradientTarget {
            matrixMultiplyStrided(
                dB.pointer, ldc: rank, g, lda: outFeatures, h.data, ldb: rank,
                m: outFeatures, n: rank, k: rows, transposeA: .transposed, alpha: scale,
                beta: dB.accumulate ? 1 : 0)
        }
        guard a.requiresGradient || u.requiresGradient else { return }
        let dh = Tensor(uninitialized: [rows, rank])
        matrixMultiplyStrided(
            dh.data, ldc: rank, g, lda: outFeatures, b.data, ldb: rank,
            m: rows, n: rank, k: outFeatures, alpha: scale)
        if let dA = a.gradientTarget {
            matrixMultiplyStrided(
                dA.pointer, ldc: inFeatures, dh.data, lda: rank, u.data, ldb: inFeatures,
                m: rank, n: inFeatures, k: rows, transposeA: .transposed,
                beta: dA.accumulate ? 1 : 0)
        }
        if let dU = u.gradientTarget {
            matrixMultiplyStrided(
                dU.pointer, ldc: inFeatures, dh.data, lda: rank, a.data, ldb: inFeatures,
                m: rows, n: inFeatures, k: rank, beta: dU.accumulate ? 1 : 0)
        }
    }
}
