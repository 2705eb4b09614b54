import KhudiTensor

/// A gradient that disagrees with its finite-difference estimate.
public struct GradientMismatch: CustomStringConvertible, Sendable {
    public var input: Int
    public var index: Int
    public var analytic: Float
    public var numeric: Float

    public var description: String {
        "input \(input)[\(index)]: backward gave \(analytic), finite differences \(numeric)"
    }
}

/// Compares the gradients `backward()` computes for `inputs` with central differences.
///
/// `loss` must build a scalar from the inputs (call it with recording on). Each checked element
/// is nudged by ±epsilon and the loss re-evaluated without recording; the estimate
/// (f(x+ε) − f(x−ε)) / 2ε must match within `absolute + relative·|numeric|`. Float32 allows
/// ε ≈ 1e-3 and a relative tolerance near 1e-2. At most `samplesPerInput` elements per input
/// are checked, spread evenly, so large inputs stay fast.
public func gradientMismatches(
    _ inputs: [Tensor], epsilon: Float = 1e-3, relative: Float = 1e-2, absolute: Float = 1e-3,
    samplesPerInput: Int = 64, loss: () throws -> Tensor
) rethrows -> [GradientMismatch] {
    for input in inputs {
        input.setRequiresGradient(true)
        input.zeroGradient()
    }
    try loss().backward()
    var mismatches: [GradientMismatch] = []
    for (inputIndex, input) in inputs.enumerated() {
        let analytic = input.gradient ?? [Float](repeating: 0, count: input.count)
        let step = max(1, input.count / samplesPerInput)
        for index in stride(from: 0, to: input.count, by: step) {
            let original = input.buffer[index]
            input.buffer[index] = original + epsilon
            let plus = try GradientMode.withoutGradients { try loss().scalarValue }
            input.buffer[index] = original - epsilon
            let minus = try GradientMode.withoutGradients { try loss().scalarValue }
            input.buffer[index] = original
            let numeric = (plus - minus) / (2 * epsilon)
            if abs(analytic[index] - numeric) > absolute + relative * abs(numeric) {
                mismatches.append(
                    GradientMismatch(
                        input: inputIndex, index: index, analytic: analytic[index],
                        numeric: numeric))
            }
        }
    }
    return mismatches
}

/// A random tensor with values in [-scale, scale), from a seeded generator.
public func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
    var random = TestRandom(seed: seed)
    return Tensor(random.floats(shape.reduce(1, *)).map { $0 * scale }, shape: shape)
}

/// Σ out ∘ w for fixed random weights w: a scalar whose gradient reaches every element of
/// `out` with a different weight, so errors cannot cancel out.
public func weightedSum(_ out: Tensor, seed: UInt64 = 99) -> Tensor {
    sum(out * randomTensor(out.shape, seed: seed))
}
