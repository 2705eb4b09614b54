/// Tolerances and comparisons shared by Khudi's tests.
///
/// `isClose` is the mixed absolute/relative test numpy's `allclose` uses:
/// `|actual - expected| <= absolute + relative * |expected|`. It is not transitive, so it is
/// only for assertions, never for `Equatable`.
public func isClose(
    _ actual: Float, _ expected: Float, relative: Float = 1e-5, absolute: Float = 1e-6
) -> Bool {
    if actual.isNaN || expected.isNaN { return false }
    return abs(actual - expected) <= absolute + relative * abs(expected)
}

/// The index and values of the first pair of elements that are not close, or nil when all are
/// (and the counts agree).
public func firstMismatch(
    _ actual: [Float], _ expected: [Float], relative: Float = 1e-5, absolute: Float = 1e-6
) -> (index: Int, actual: Float, expected: Float)? {
    guard actual.count == expected.count else {
        return (-1, Float(actual.count), Float(expected.count))
    }
    for i in actual.indices
    where !isClose(actual[i], expected[i], relative: relative, absolute: absolute) {
        return (i, actual[i], expected[i])
    }
    return nil
}

/// A small deterministic generator (SplitMix64) for test data, independent of the platform's
/// random source so failures reproduce everywhere.
public struct TestRandom: RandomNumberGenerator {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A float uniform in [-1, 1).
    public mutating func nextFloat() -> Float {
        Float(next() >> 40) / Float(1 << 24) * 2 - 1
    }

    /// `count` floats uniform in [-1, 1).
    public mutating func floats(_ count: Int) -> [Float] {
        (0..<count).map { _ in nextFloat() }
    }
}
