extension Tensor {
    /// Moves this leaf's values into `storage` (copying them) and makes `gradient` its gradient
    /// buffer.
    ///
    /// Afterwards the tensor owns neither: whoever owns the flat buffers (a `ParameterStore`) must
    /// keep them alive as long as the tensor is used. A nil `gradient` leaves the tensor without
    /// one (a frozen parameter).
    public func rebind(
        storage: UnsafeMutablePointer<Float>, gradient: UnsafeMutablePointer<Float>?
    ) {
        shapeCheck(parents.isEmpty, "rebind", "only leaves (inputs, parameters) can be rebound")
        storage.update(from: data, count: count)
        if ownsData { pool.give(data, count: count) }
        data = storage
        ownsData = false
        if ownsGradient, let gradientPointer {
            pool.give(gradientPointer, count: count)
        }
        gradientPointer = gradient
        ownsGradient = false
    }
}
