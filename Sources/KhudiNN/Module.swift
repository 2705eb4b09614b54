import KhudiTensor

/// A layer or model: something with named parameters.
///
/// Names are checkpoint keys in Hugging Face layout ("h.0.attn.c_attn.weight",
/// "model.layers.0.self_attn.q_proj.weight"), listed in a fixed order, so saving, loading and
/// the flat parameter store all agree without any mapping tables.
public protocol Module: AnyObject {
    /// Every parameter, with its checkpoint name, in a fixed order.
    var namedParameters: [(name: String, tensor: Tensor)] { get }
}

extension Module {
    /// The parameters' tensors in `namedParameters` order.
    public var parameters: [Tensor] { namedParameters.map(\.tensor) }

    /// Total number of scalars in the parameters.
    public var parameterCount: Int { namedParameters.reduce(0) { $0 + $1.tensor.count } }

    /// A child's parameters with `prefix.` in front of each name.
    public func parameters(of child: any Module, prefix: String) -> [(name: String, tensor: Tensor)]
    {
        child.namedParameters.map { ("\(prefix).\($0.name)", $0.tensor) }
    }

    /// Marks every parameter trainable or frozen.
    public func setTrainable(_ trainable: Bool) {
        for parameter in parameters { parameter.setRequiresGradient(trainable) }
    }
}
