import Foundation
import KhudiTensor

/// A seeded random generator (xoshiro256**), so a model built twice with the same seed has the
/// same weights on every machine.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    /// A generator whose whole stream is determined by `seed` (expanded with SplitMix64).
    public init(seed: UInt64) {
        var s = seed
        func splitMix() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    public mutating func next() -> UInt64 {
        let result = ((state.1 &* 5) << 7 | (state.1 &* 5) >> 57) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = state.3 << 45 | state.3 >> 19
        return result
    }

    /// A standard normal sample (Box–Muller).
    public mutating func nextNormal() -> Float {
        let u1 = max(Double(next() >> 11) / Double(1 << 53), .leastNonzeroMagnitude)
        let u2 = Double(next() >> 11) / Double(1 << 53)
        return Float(sqrt(-2 * log(u1)) * cos(2 * .pi * u2))
    }
}

/// How a new parameter is filled.
public enum Initialization: Sendable {
    case zeros
    case ones
    /// Normal with mean 0 and this standard deviation (GPT-2 and Llama use 0.02).
    case normal(standardDeviation: Float)
    /// Uniform in ±bound.
    case uniform(bound: Float)

    /// While true (`Initialization.$placeholders.withValue(true) { … }`), every rule makes a
    /// zero tensor without drawing from the generator: a model built only to be filled from a
    /// checkpoint skips random initialisation (124M normal draws took 5 s of loading GPT-2).
    @TaskLocal public static var placeholders = false

    /// A new trainable tensor of `shape` filled by this rule.
    public func make(_ shape: [Int], using generator: inout SeededGenerator) -> Tensor {
        if Self.placeholders { return Tensor(repeating: 0, shape: shape, requiresGradient: true) }
        let count = shape.reduce(1, *)
        let values: [Float]
        switch self {
        case .zeros: values = [Float](repeating: 0, count: count)
        case .ones: values = [Float](repeating: 1, count: count)
        case .normal(let deviation):
            values = (0..<count).map { _ in generator.nextNormal() * deviation }
        case .uniform(let bound):
            values = (0..<count).map { _ in Float.random(in: -bound..<bound, using: &generator) }
        }
        return Tensor(values, shape: shape, requiresGradient: true)
    }
}
