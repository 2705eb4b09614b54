/// Inverted dropout with a counter-based generator: element i of a call seeded with `seed` is
/// kept when hash(seed, i) ≥ p, so masks are reproducible and independent of thread count.
///
/// Shapes: `out`, `mask`, `x`, `dX`, `dOut` all have n elements. `mask` holds 0 or 1/(1−p).

func dropoutForward(
    _ out: UnsafeMutablePointer<Float>, _ mask: UnsafeMutablePointer<Float>,
    _ x: UnsafePointer<Float>, p: Float, seed: UInt64, n: Int
) {
    let keepScale = 1 / (1 - p)
    KernelThreads.forEachRange(n, grain: 16_384) { range in
        for i in range {
            let u = uniformHash(seed, UInt64(i))
            mask[i] = u < p ? 0 : keepScale
            out[i] = x[i] * mask[i]
        }
    }
}

func dropoutBackward(
    _ dX: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
    _ mask: UnsafePointer<Float>, n: Int
) {
    for i in 0..<n { dX[i] += dOut[i] * mask[i] }
}

/// A uniform number in [0, 1) from (seed, index): SplitMix64's finaliser over their mix.
@inline(__always) func uniformHash(_ seed: UInt64, _ index: UInt64) -> Float {
    var z = seed &+ (index &+ 1) &* 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    z ^= z >> 31
    return Float(z >> 40) / Float(1 << 24)
}
