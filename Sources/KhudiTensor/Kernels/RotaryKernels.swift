/// Rotary position embedding in the rotate_half convention (Hugging Face Llama, GPT-NeoX).
///
/// Shapes: `x`, `out`, `dX`, `dOut` are (batch, tokens, heads, headDim) stored as
/// (batch · tokens, heads · headDim); `cos`, `sin` are (positions, headDim / 2). Token t uses
/// row `positionOffset + t` of the tables, or row `positions[b · tokens + t]` when given
/// (packed documents, each from position 0). For i < headDim/2:
///   out[i]        = x[i] · cos − x[i + half] · sin
///   out[i + half] = x[i + half] · cos + x[i] · sin

func rotaryForward(
    _ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
    _ cos: UnsafePointer<Float>, _ sin: UnsafePointer<Float>,
    batch: Int, tokens: Int, heads: Int, headDim: Int, positionOffset: Int,
    positions: UnsafePointer<Int32>? = nil
) {
    let half = headDim / 2
    let rows = batch * tokens
    KernelThreads.forEachRange(rows, grain: KernelThreads.grain(itemCost: heads * headDim)) {
        range in
        for row in range {
            let position = positions.map { Int($0[row]) } ?? positionOffset + row % tokens
            let c = cos + position * half
            let s = sin + position * half
            for h in 0..<heads {
                let base = row * heads * headDim + h * headDim
                for i in 0..<half {
                    let x1 = x[base + i]
                    let x2 = x[base + i + half]
                    out[base + i] = x1 * c[i] - x2 * s[i]
                    out[base + i + half] = x2 * c[i] + x1 * s[i]
                }
            }
        }
    }
}

/// dX += the rotation's transpose applied to dOut.
func rotaryBackward(
    _ dX: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
    _ cos: UnsafePointer<Float>, _ sin: UnsafePointer<Float>,
    batch: Int, tokens: Int, heads: Int, headDim: Int, positionOffset: Int,
    positions: UnsafePointer<Int32>? = nil
) {
    let half = headDim / 2
    let rows = batch * tokens
    KernelThreads.forEachRange(rows, grain: KernelThreads.grain(itemCost: heads * headDim)) {
        range in
        for row in range {
            let position = positions.map { Int($0[row]) } ?? positionOffset + row % tokens
            let c = cos + position * half
            let s = sin + position * half
            for h in 0..<heads {
                let base = row * heads * headDim + h * headDim
                for i in 0..<half {
                    let g1 = dOut[base + i]
                    let g2 = dOut[base + i + half]
                    dX[base + i] += g1 * c[i] + g2 * s[i]
                    dX[base + i + half] += g2 * c[i] - g1 * s[i]
                }
            }
        }
    }
}
