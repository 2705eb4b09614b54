import KhudiTensor

/// A table of learned vectors indexed by token id (or position).
public final class Embedding: Module {
    public let weight: Tensor

    /// A (count, dimension) table filled by `initialization`.
    public init(
        count: Int, dimension: Int, initialization: Initialization,
        generator: inout SeededGenerator
    ) {
        weight = initialization.make([count, dimension], using: &generator)
    }

    public var namedParameters: [(name: String, tensor: Tensor)] { [("weight", weight)] }

    /// The rows for `ids`, shaped (shape…, dimension).
    ///
    /// Throws for an id outside the table.
    public func callAsFunction(_ ids: [Int32], shape: [Int]) throws(TensorError) -> Tensor {
        try embedding(ids, shape: shape, table: weight)
    }
}
