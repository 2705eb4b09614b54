import Foundation

/// LayerNorm and RMSNorm over the last dimension, forward and backward side by side.
///
/// Shapes: `x`, `out`, `dX`, `dOut` are (rows, c); `weight`, `bias`, `dWeight`, `dBias` are
/// (c); `mean` and `rstd` are (rows), saved by forward for backward.

/// out = (x − mean) · rstd · weight + bias, rstd = 1/√(var + eps) (biased variance).
///
/// Mean and variance come from one pass over the row, shifted by its first element (sums of
/// x − x₀ and (x − x₀)², which stays accurate when the mean is large next to the spread); the
/// output is a second pass.
func layerNormForward(
    _ out: UnsafeMutablePointer<Float>, _ mean: UnsafeMutablePointer<Float>,
    _ rstd: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
    _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
    rows: Int, c: Int, eps: Float
) {
    KernelThreads.forEachRange(rows, grain: KernelThreads.grain(itemCost: 3 * c)) { range in
        for r in range {
            let row = x + r * c
            let shift = c > 0 ? row[0] : 0
            let (sum, squares) = sumsOf(c) { row[$0] - shift }
            let shiftedMean = sum / Float(c)
            let variance = max(squares / Float(c) - shiftedMean * shiftedMean, 0)
            let m = shift + shiftedMean
            let s = 1 / sqrtf(variance + eps)
            let o = out + r * c
            if let bias {
                for j in 0..<c { o[j] = (row[j] - m) * s * weight[j] + bias[j] }
            } else {
                for j in 0..<c { o[j] = (row[j] - m) * s * weight[j] }
            }
            mean[r] = m
            rstd[r] = s
        }
    }
}

/// Accumulates the LayerNorm gradients into dX, dWeight and dBias (each may be nil).
func layerNormBackward(
    _ dX: UnsafeMutablePointer<Float>?, _ dWeight: UnsafeMutablePointer<Float>?,
    _ dBias: UnsafeMutablePointer<Float>?, _ dOut: UnsafePointer<Float>,
    _ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
    _ mean: UnsafePointer<Float>, _ rstd: UnsafePointer<Float>, rows: Int, c: Int,
    accumulateX: Bool = true
) {
    // One pass over the rows computes dX and, per block of `blockRows` rows, partial sums of
    // dWeight and dBias; the partials are then added in block order. Blocks depend only on the
    // size, so the sums are the same whatever the thread count, and x and dOut are read once.
    let blockRows = 64
    let blocks = (rows + blockRows - 1) / blockRows
    let wantsParameters = dWeight != nil || dBias != nil
    let pool = BufferPool.current
    let partialCount = wantsParameters ? blocks * 2 * c : 1
    let partials = pool.takeZeroed(partialCount)
    defer { pool.give(partials, count: partialCount) }
    KernelThreads.forEachRange(blocks, grain: 1) { blockRange in
        for block in blockRange {
            let partialWeight = partials + block * 2 * c
            let partialBias = partialWeight + c
            for r in (block * blockRows)..<min(rows, (block + 1) * blockRows) {
                let row = x + r * c
                let g = dOut + r * c
                let m = mean[r]
                let s = rstd[r]
                // One pass: the parameter partials and both means dx needs.
                let (sumGW, sumGWX) = layerNormRowSums(
                    g, row, weight, mean: m, rstd: s, c: c,
                    partialWeight: wantsParameters ? partialWeight : nil,
                    partialBias: wantsParameters ? partialBias : nil)
                guard let dX else { continue }
                // dx = s · (g·w − mean(g·w) − xhat · mean(g·w·xhat))
                let meanGW = sumGW / Float(c)
                let meanGWX = sumGWX / Float(c)
                let d = dX + r * c
                if accumulateX {
                    for j in 0..<c {
                        d[j] += s * (g[j] * weight[j] - meanGW - (row[j] - m) * s * meanGWX)
                    }
                } else {
                    for j in 0..<c {
                        d[j] = s * (g[j] * weight[j] - meanGW - (row[j] - m) * s * meanGWX)
                    }
                }
            }
        }
    }
    guard wantsParameters else { return }
    for block in 0..<blocks {
        let partialWeight = partials + block * 2 * c
        if let dWeight { for j in 0..<c { dWeight[j] += partialWeight[j] } }
        if let dBias { for j in 0..<c { dBias[j] += partialWeight[c + j] } }
    }
}

/// For one LayerNorm row: Σ g·w and Σ g·w·xhat (xhat = (x − mean)·rstd), adding g·xhat and g
/// to the parameter partials when given; eight lanes at a time.
@inline(__always) func layerNormRowSums(
    _ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
    mean m: Float, rstd s: Float, c: Int,
    partialWeight: UnsafeMutablePointer<Float>?, partialBias: UnsafeMutablePointer<Float>?
) -> (Float, Float) {
    var gwLanes = SIMD8<Float>()
    var gwxLanes = SIMD8<Float>()
    let meanLanes = SIMD8<Float>(repeating: m)
    let rstdLanes = SIMD8<Float>(repeating: s)
    var j = 0
    while j + 8 <= c {
        let gv = UnsafeRawPointer(g + j).loadUnaligned(as: SIMD8<Float>.self)
        let xv = UnsafeRawPointer(x + j).loadUnaligned(as: SIMD8<Float>.self)
        let wv = UnsafeRawPointer(weight + j).loadUnaligned(as: SIMD8<Float>.self)
        let xhat = (xv - meanLanes) * rstdLanes
        let gw = gv * wv
        gwLanes += gw
        gwxLanes += gw * xhat
        if let partialWeight, let partialBias {
            let pw = UnsafeMutableRawPointer(partialWeight + j)
            let pb = UnsafeMutableRawPointer(partialBias + j)
            pw.storeBytes(
                of: pw.loadUnaligned(as: SIMD8<Float>.self) + gv * xhat, as: SIMD8<Float>.self)
            pb.storeBytes(of: pb.loadUnaligned(as: SIMD8<Float>.self) + gv, as: SIMD8<Float>.self)
        }
        j += 8
    }
    var sumGW = gwLanes.sum()
    var sumGWX = gwxLanes.sum()
    while j < c {
        let xhat = (x[j] - m) * s
        sumGW += g[j] * weight[j]
        sumGWX += g[j] * weight[j] * xhat
        if let partialWeight, let partialBias {
            partialWeight[j] += g[j] * xhat
            partialBias[j] += g[j]
        }
        j += 1
    }
    return (sumGW, sumGWX)
}

/// out = x · rstd · weight, rstd = 1/√(mean(x²) + eps).
func rmsNormForward(
    _ out: UnsafeMutablePointer<Float>, _ rstd: UnsafeMutablePointer<Float>,
    _ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, rows: Int, c: Int, eps: Float
) {
    KernelThreads.forEachRange(rows, grain: KernelThreads.grain(itemCost: 3 * c)) { range in
        for r in range {
            let row = x + r * c
            let squares = sumOf(c) { row[$0] * row[$0] }
            let s = 1 / sqrtf(squares / Float(c) + eps)
            let o = out + r * c
            for j in 0..<c { o[j] = row[j] * s * weight[j] }
            rstd[r] = s
        }
    }
}

/// Accumulates the RMSNorm gradients into dX and dWeight (each may be nil).
func rmsNormBackward(
    _ dX: UnsafeMutablePointer<Float>?, _ dWeight: UnsafeMutablePointer<Float>?,
    _ dOut: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
    _ rstd: UnsafePointer<Float>, rows: Int, c: Int, accumulateX: Bool = true
) {
    if let dX {
        KernelThreads.forEachRange(rows, grain: KernelThreads.grain(itemCost: 5 * c)) { range in
            for r in range {
                let row = x + r * c
                let g = dOut + r * c
                let s = rstd[r]
                // dx = s·g·w − x · s³ · mean(g·w·x)
                let dot = sumOf(c) { g[$0] * weight[$0] * row[$0] }
                let k = s * s * s * dot / Float(c)
                let d = dX + r * c
                if accumulateX {
                    for j in 0..<c { d[j] += s * g[j] * weight[j] - row[j] * k }
                } else {
                    for j in 0..<c { d[j] = s * g[j] * weight[j] - row[j] * k }
                }
            }
        }
    }
    if let dWeight {
        KernelThreads.forEachRange(c, grain: 64) { columns in
            for r in 0..<rows {
                let row = x + r * c
                let g = dOut + r * c
                let s = rstd[r]
                for j in columns { dWeight[j] += g[j] * row[j] * s }
            }
        }
    }
}
