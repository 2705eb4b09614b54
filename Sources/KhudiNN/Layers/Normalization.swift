import KhudiTensor

/// LayerNorm over the last dimension with a learned scale and (optionally) shift.
public final class LayerNorm: Module {
    public let weight: Tensor
    public let bias: Tensor?
    public let eps: Float

    public init(dimension: Int, bias: Bool = true, eps: Float = 1e-5) {
        var unused = SeededGenerator(seed: 0)
        weight = Initialization.ones.make([dimension], using: &unused)
        self.bias = bias ? Initialization.zeros.make([dimension], using: &unused) : nil
        self.eps = eps
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        layerNorm(x, weight: weight, bias: bias, eps: eps)
    }
}

/// RMSNorm over the last dimension with a learned scale (Llama's norm).
public final class RMSNorm: Module {
    public let weight: Tensor
    public let eps: Float

    public init(dimension: Int, eps: Float = 1e-5) {
        var unused = SeededGenerator(seed: 0)
        weight = Initialization.ones.make([dimension], using: &unused)
        self.eps = eps
    }

    public var namedParameters: [(name: String, tensor: Tensor)] { [("weight", weight)] }

    public func callAsFunction(_ x: Tensor) -> Tensor { rmsNorm(x, weight: weight, eps: eps) }
}
