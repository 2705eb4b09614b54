import Foundation

/// An n-dimensional array of `Float` that remembers how it was computed.
///
/// Storage is contiguous and row-major. A tensor made by an operation keeps its `parents` and
/// a `backward` closure that adds its gradient contribution to theirs; `backward()` on a scalar
/// walks that tape in reverse. Buffers come from `BufferPool.current` and go back to it when the
/// tensor is released, so repeated steps with the same shapes reuse memory. Parameters instead
/// point into flat buffers owned by a `ParameterStore`.
public final class Tensor {
    /// Dimensions, outermost first.
    public let shape: Shape
    /// Number of elements.
    public let count: Int
    /// The values.
    ///
    /// Parameters may be re-pointed into a flat store, hence `var`.
    public internal(set) var data: UnsafeMutablePointer<Float>
    /// The accumulated gradient, allocated (zeroed) on first use during `backward()`.
    public internal(set) var gradientPointer: UnsafeMutablePointer<Float>?
    /// Whether gradients flow into this tensor.
    public internal(set) var requiresGradient: Bool
    /// The name of the operation that made it ("leaf" for inputs and parameters).
    public let operation: String

    let parents: [Tensor]
    var backwardClosure: ((Tensor) -> Void)?
    var ownsData: Bool
    var ownsGradient = false
    /// The tensor whose storage a view (reshape) shares, kept alive by the view.
    var storageOwner: Tensor?
    /// The pool this tensor's buffers come from and return to.
    let pool: BufferPool

    /// A tensor of `shape` with undefined contents, from the buffer pool.
    init(
        uninitialized shape: Shape, operation: String = "leaf", parents: [Tensor] = [],
        requiresGradient: Bool = false
    ) {
        self.shape = shape
        self.count = shape.elementCount
        self.pool = BufferPool.current
        self.data = pool.take(count)
        self.ownsData = true
        self.operation = operation
        self.parents = parents
        self.requiresGradient = requiresGradient
    }

    /// A tensor of `shape` holding `values` (row-major).
    public convenience init(_ values: [Float], shape: Shape, requiresGradient: Bool = false) {
        shapeCheck(
            values.count == shape.elementCount, "Tensor",
            "\(values.count) values do not fill shape \(shape)")
        self.init(uninitialized: shape, requiresGradient: requiresGradient)
        for (i, value) in values.enumerated() { data[i] = value }
    }

    /// A tensor of `shape` filled with `value`.
    public convenience init(repeating value: Float, shape: Shape, requiresGradient: Bool = false) {
        self.init(uninitialized: shape, requiresGradient: requiresGradient)
        data.update(repeating: value, count: count)
    }

    /// A scalar tensor.
    public convenience init(scalar: Float) {
        self.init([scalar], shape: [])
    }

    deinit {
        if ownsData { pool.give(data, count: count) }
        if ownsGradient, let gradientPointer { pool.give(gradientPointer, count: count) }
    }

    /// The values as an array (a copy).
    public var values: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

    /// The gradient as an array (a copy), or nil before any gradient reached this tensor.
    public var gradient: [Float]? {
        gradientPointer.map { Array(UnsafeBufferPointer(start: $0, count: count)) }
    }

    /// The single value of a one-element tensor.
    public var scalarValue: Float {
        shapeCheck(count == 1, "scalarValue", "tensor of shape \(shape) is not a scalar")
        return data[0]
    }

    /// The values as a buffer pointer, for kernels.
    public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: data, count: count)
    }

    /// The gradient, zero-filled from the pool on first use.
    public var gradientData: UnsafeMutablePointer<Float> {
        if let gradientPointer { return gradientPointer }
        let fresh = pool.takeZeroed(count)
        gradientPointer = fresh
        ownsGradient = true
        return fresh
    }

    /// The gradient as a buffer pointer, zero-filled from the pool on first use.
    public var gradientBuffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: gradientData, count: count)
    }

    /// Marks this leaf as trainable (or not).
    public func setRequiresGradient(_ flag: Bool) {
        requiresGradient = flag
    }

    /// Sets the gradient to zero (keeping its buffer).
    public func zeroGradient() {
        gradientPointer?.update(repeating: 0, count: count)
    }

    /// Drops the gradient, as PyTorch's `zero_grad(set_to_none=True)` does.
    ///
    /// Its buffer returns to the pool and the next backward writes a fresh one without
    /// zero-filling it first. A gradient
    /// living in a `ParameterStore` is zeroed instead, since the store owns it.
    public func releaseGradient() {
        guard let gradientPointer else { return }
        if ownsGradient {
            pool.give(gradientPointer, count: count)
            self.gradientPointer = nil
            ownsGradient = false
        } else {
            gradientPointer.update(repeating: 0, count: count)
        }
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = values.prefix(6).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor(\(operation), shape \(shape), [\(preview)\(count > 6 ? ", …" : "")])"
    }
}
