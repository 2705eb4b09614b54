/// Matrix products: plain, batched, and the linear layer's x·Wᵀ + b.

/// a · b for a (m, k) and b (k, n), either operand optionally transposed.
public func matmul(
    _ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false
) -> Tensor {
    shapeCheck(
        a.shape.count == 2 && b.shape.count == 2, "matmul",
        "needs two matrices, got shapes \(a.shape) and \(b.shape)")
    let (m, k) = transposeA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
    let (kb, n) = transposeB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
    shapeCheck(
        k == kb, "matmul",
        "inner dimensions differ: \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "")"
    )
    return batchedProduct(
        "matmul", a, b, batch: 1, m: m, n: n, k: k, transposeA: transposeA,
        transposeB: transposeB, sharedB: false, outShape: [m, n])
}

/// Batched a · b for a (batch, m, k) and b (batch, k, n) or b (k, n) shared by every batch.
public func batchedMatmul(
    _ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false
) -> Tensor {
    shapeCheck(
        a.shape.count == 3 && (b.shape.count == 3 || b.shape.count == 2),
        "batchedMatmul",
        "needs (batch, m, k) and (batch, k, n) or (k, n), got \(a.shape) and \(b.shape)")
    let batch = a.shape[0]
    let sharedB = b.shape.count == 2
    shapeCheck(
        sharedB || b.shape[0] == batch, "batchedMatmul",
        "batch sizes differ: \(a.shape) and \(b.shape)")
    let (m, k) = transposeA ? (a.shape[2], a.shape[1]) : (a.shape[1], a.shape[2])
    let bRows = b.shape[b.shape.count - 2]
    let bColumns = b.shape[b.shape.count - 1]
    let (kb, n) = transposeB ? (bColumns, bRows) : (bRows, bColumns)
    shapeCheck(k == kb, "batchedMatmul", "inner dimensions differ: \(a.shape) · \(b.shape)")
    return batchedProduct(
        "batchedMatmul", a, b, batch: batch, m: m, n: n, k: k, transposeA: transposeA,
        transposeB: transposeB, sharedB: sharedB, outShape: [batch, m, n])
}

/// The shared forward/backward of `matmul` and `batchedMatmul`:
/// C = op(A)·op(B);  dA += dC·op(B)ᵀ (in A's layout);  dB += op(A)ᵀ·dC (in B's layout).
private func batchedProduct(
    _ name: String, _ a: Tensor, _ b: Tensor, batch: Int, m: Int, n: Int, k: Int,
    transposeA: Bool, transposeB: Bool, sharedB: Bool, outShape: Shape
) -> Tensor {
    let out = Tensor.output(name, shape: outShape, from: [a, b])
    let tA: Transpose = transposeA ? .transposed : .none
    let tB: Transpose = transposeB ? .transposed : .none
    let bStride = sharedB ? 0 : k * n
    for i in 0..<batch {
        matrixMultiplyStrided(
            out.data + i * m * n, ldc: n, a.data + i * m * k, lda: transposeA ? m : k,
            b.data + i * bStride, ldb: transposeB ? k : n, m: m, n: n, k: k,
            transposeA: tA, transposeB: tB)
    }
    return out.recordBackward { out in
        let g = out.gradientData
        for i in 0..<batch {
            let gi = g + i * m * n
            if let dA = a.gradientIfNeeded {
                // A (m,k): dA += dC·op(B)ᵀ ; A stored (k,m): dA += op(B)·dCᵀ
                let bi = b.data + i * bStride
                if transposeA {
                    matrixMultiplyStrided(
                        dA + i * m * k, ldc: m, bi, lda: transposeB ? k : n, gi, ldb: n,
                        m: k, n: m, k: n, transposeA: transposeB ? .transposed : .none,
                        transposeB: .transposed, beta: 1)
                } else {
                    matrixMultiplyStrided(
                        dA + i * m * k, ldc: k, gi, lda: n, bi, ldb: transposeB ? k : n,
                        m: m, n: k, k: n, transposeB: transposeB ? .none : .transposed, beta: 1)
                }
            }
            if let dB = b.gradientIfNeeded {
                // B (k,n): dB += op(A)ᵀ·dC ; B stored (n,k): dB += dCᵀ·op(A)
                let ai = a.data + i * m * k
                let target = dB + i * bStride
                if transposeB {
                    matrixMultiplyStrided(
                        target, ldc: k, gi, lda: n, ai, ldb: transposeA ? m : k,
                        m: n, n: k, k: m, transposeA: .transposed,
                        transposeB: transposeA ? .transposed : .none, beta: 1)
                } else {
                    matrixMultiplyStrided(
                        target, ldc: n, ai, lda: transposeA ? m : k, gi, ldb: n,
                        m: k, n: n, k: m, transposeA: transposeA ? .none : .transposed,
                        beta: 1)
                }
            }
        }
    }
}

/// x · Wᵀ + b: the linear layer, for x (…, in), weight (out, in) in Hugging Face layout and an
/// optional bias (out).
///
/// All leading dimensions of x are flattened into one GEMM.
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) -> Tensor {
    shapeCheck(weight.shape.count == 2, "linear", "weight must be (out, in), got \(weight.shape)")
    let (outFeatures, inFeatures) = (weight.shape[0], weight.shape[1])
    shapeCheck(
        x.shape.last == inFeatures, "linear",
        "input \(x.shape) does not end in \(inFeatures) to match weight \(weight.shape)")
    if let bias {
        shapeCheck(
            bias.shape == [outFeatures], "linear",
            "bias \(bias.shape) does not match weight \(weight.shape)")
    }
    let rows = x.count / inFeatures
    var outShape = x.shape
    outShape[outShape.count - 1] = outFeatures
    let out = Tensor.output(
        "linear", shape: outShape, from: [x, weight] + (bias.map { [$0] } ?? []))
    if let bias {
        for r in 0..<rows {
            (out.data + r * outFeatures).update(from: bias.data, count: outFeatures)
        }
    }
    if rows == 1 {
        matrixVectorMultiply(
            out.data, weight.data, x.data, rows: outFeatures, columns: inFeatures,
            beta: bias == nil ? 0 : 1)
    } else {
        matrixMultiplyStrided(
            out.data, ldc: outFeatures, x.data, lda: inFeatures, weight.data, ldb: inFeatures,
            m: rows, n: outFeatures, k: inFeatures, transposeB: .transposed,
            beta: bias == nil ? 0 : 1)
    }
    return out.recordBackward { out in
        linearBackward(out.gradientData, x: x, weight: weight, bias: bias, rows: rows)
    }
}

/// The gradients of y = x·Wᵀ + bias from dY (rows, out) into x, W and bias, for those that
/// need one; shared by `linear` and its low-rank (LoRA) form.
func linearBackward(
    _ g: UnsafeMutablePointer<Float>, x: Tensor, weight: Tensor, bias: Tensor?, rows: Int
) {
    let (outFeatures, inFeatures) = (weight.shape[0], weight.shape[1])
    // A fresh gradient buffer is written (beta 0), an existing one added to (beta 1).
    if let dX = x.gradientTarget {
        matrixMultiplyStrided(
            dX.pointer, ldc: inFeatures, g, lda: outFeatures, weight.data, ldb: inFeatures,
            m: rows, n: inFeatures, k: outFeatures, beta: dX.accumulate ? 1 : 0)
    }
    if let dW = weight.gradientTarget {
        matrixMultiplyStrided(
            dW.pointer, ldc: inFeatures, g, lda: outFeatures, x.data, ldb: inFeatures,
            m: outFeatures, n: inFeatures, k: rows, transposeA: .transposed,
            beta: dW.accumulate ? 1 : 0)
    }
    if let bias, let dBias = bias.gradientIfNeeded {
        let ones = Tensor(repeating: 1, shape: [rows])
        columnSumsAccumulate(dBias, g, ones: ones.data, rows: rows, columns: outFeatures)
    }
}
