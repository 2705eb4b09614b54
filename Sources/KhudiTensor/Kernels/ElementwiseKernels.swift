/// Element-wise kernels with trailing-dimension broadcast.
///
/// Shapes: `a` has `n` elements; `b` has `m` elements with `n % m == 0`, broadcast over the
/// leading `n / m` repeats (b's shape is a suffix of a's). `out` has `n` elements.

/// out[i] = a[i] + b[i mod m].
func addForward(
    _ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
    n: Int, m: Int
) {
    KernelThreads.forEachRange(n / m, grain: KernelThreads.grain(itemCost: m)) { rows in
        for r in rows {
            let base = r * m
            for j in 0..<m { out[base + j] = a[base + j] + b[j] }
        }
    }
}

/// out[i] = a[i] · b[i mod m].
func multiplyForward(
    _ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
    n: Int, m: Int
) {
    KernelThreads.forEachRange(n / m, grain: KernelThreads.grain(itemCost: m)) { rows in
        for r in rows {
            let base = r * m
            for j in 0..<m { out[base + j] = a[base + j] * b[j] }
        }
    }
}

/// dA[i] += dOut[i] · scale[i mod m] (scale nil means 1): the gradient reaching `a`.
func broadcastOperandBackward(
    _ dA: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
    scale: UnsafePointer<Float>?, n: Int, m: Int
) {
    KernelThreads.forEachRange(n / m, grain: KernelThreads.grain(itemCost: m)) { rows in
        for r in rows {
            let base = r * m
            if let scale {
                for j in 0..<m { dA[base + j] += dOut[base + j] * scale[j] }
            } else {
                for j in 0..<m { dA[base + j] += dOut[base + j] }
            }
        }
    }
}

/// dB[j] += Σ_r dOut[r·m + j] · other[r·m + j] (other nil means 1): the gradient reaching the
/// broadcast operand, summed over the repeats.
///
/// Parallel over columns, so each sum has one owner.
func broadcastSumBackward(
    _ dB: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
    other: UnsafePointer<Float>?, n: Int, m: Int
) {
    let rows = n / m
    KernelThreads.forEachRange(m, grain: 64) { columns in
        for r in 0..<rows {
            let base = r * m
            if let other {
                for j in columns { dB[j] += dOut[base + j] * other[base + j] }
            } else {
                for j in columns { dB[j] += dOut[base + j] }
            }
        }
    }
}

/// out[i] = a[i] · s.
func scaleForward(
    _ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ s: Float, n: Int
) {
    for i in 0..<n { out[i] = a[i] * s }
}

/// dA[i] += dOut[i] · s.
func scaleBackward(
    _ dA: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>, _ s: Float, n: Int
) {
    for i in 0..<n { dA[i] += dOut[i] * s }
}
