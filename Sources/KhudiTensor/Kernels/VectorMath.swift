/// Reductions eight lanes at a time, in a fixed order so results never depend on threads. The
/// exponential and its relatives live in LaneKernels.swift.

/// Σ term(i) for i in 0..<n, with eight independent partial sums so the loop vectorises (one float
/// accumulator forbids reordering and runs at one add per add-latency: measured 9× slower for
/// 384-wide rows).
///
/// Partials combine in a fixed order, so results never depend on threads.
@inline(__always) func sumOf(_ n: Int, _ term: (Int) -> Float) -> Float {
    var a0: Float = 0
    var a1: Float = 0
    var a2: Float = 0
    var a3: Float = 0
    var a4: Float = 0
    var a5: Float = 0
    var a6: Float = 0
    var a7: Float = 0
    var i = 0
    while i + 8 <= n {
        a0 += term(i)
        a1 += term(i + 1)
        a2 += term(i + 2)
        a3 += term(i + 3)
        a4 += term(i + 4)
        a5 += term(i + 5)
        a6 += term(i + 6)
        a7 += term(i + 7)
        i += 8
    }
    var total = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))
    while i < n {
        total += term(i)
        i += 1
    }
    return total
}

/// (Σ v(i), Σ v(i)²) for i in 0..<n, eight lanes at a time, combined in a fixed order.
@inline(__always) func sumsOf(_ n: Int, _ value: (Int) -> Float) -> (Float, Float) {
    var sums = SIMD8<Float>()
    var squares = SIMD8<Float>()
    var i = 0
    while i + 8 <= n {
        let v = SIMD8<Float>(
            value(i), value(i + 1), value(i + 2), value(i + 3), value(i + 4), value(i + 5),
            value(i + 6), value(i + 7))
        sums += v
        squares += v * v
        i += 8
    }
    var sum = sums.sum()
    var square = squares.sum()
    while i < n {
        let v = value(i)
        sum += v
        square += v * v
        i += 1
    }
    return (sum, square)
}

/// The largest of p[0..<n] (−∞ for n = 0), eight lanes at a time.
@inline(__always) func maximumOf(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
    var lanes = SIMD8<Float>(repeating: -.infinity)
    var i = 0
    while i + 8 <= n {
        let next = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
        // replacing(with:where:) compiles to compare-and-blend; pointwiseMax was an out-of-line
        // lane-by-lane loop (measured 4.5× slower).
        lanes.replace(with: next, where: next .> lanes)
        i += 8
    }
    var result = lanes.max()
    while i < n {
        result = Swift.max(result, p[i])
        i += 1
    }
    return result
}
