/// x · Wᵀ (+ bias) with W held as bfloat16, for inference.
///
/// x (…, in) → (…, out), each row of x a matrix-vector product. No gradient is recorded.
public func linear(_ x: Tensor, weight: BFloat16Matrix, bias: Tensor? = nil) -> Tensor {
    let inputs = x.shape.last ?? 0
    shapeCheck(
        inputs == weight.columns && (bias.map { $0.shape == [weight.rows] } ?? true),
        "linear(bfloat16)",
        "input \(x.shape) does not fit a (\(weight.rows), \(weight.columns)) weight")
    let rows = x.count / max(1, inputs)
    let out = Tensor(uninitialized: Array(x.shape.dropLast()) + [weight.rows])
    for r in 0..<rows {
        weight.multiply(x.data + r * inputs, into: out.data + r * weight.rows, bias: bias?.data)
    }
    return out
}
