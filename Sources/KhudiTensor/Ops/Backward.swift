/// Reverse-mode differentiation over the tape.
extension Tensor {
    /// The tensors this one depends on that need gradients, each listed after all of its own
    /// inputs (a topological order), found with an explicit stack so deep graphs cannot
    /// overflow the call stack.
    func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(node: Tensor, expanded: Bool)] = [(self, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded {
                order.append(node)
                continue
            }
            guard visited.insert(ObjectIdentifier(node)).inserted else { continue }
            stack.append((node, true))
            for parent in node.parents.reversed()
            where parent.requiresGradient && !visited.contains(ObjectIdentifier(parent)) {
                stack.append((parent, false))
            }
        }
        return order
    }

    /// Backpropagates from this scalar: every tensor it depends on that requires a gradient gets
    /// d(self)/d(tensor) added to its gradient (gradients accumulate across calls until zeroed).
    ///
    /// The tape is released as it is consumed, as in PyTorch.
    public func backward() {
        shapeCheck(count == 1, "backward", "needs a scalar, got shape \(shape)")
        var one: Float = 1
        backward(seed: &one)
    }

    /// Backpropagates from a non-scalar tensor, given d(loss)/d(self) (as PyTorch's
    /// `tensor.backward(gradient)`); benchmarks use it to time one op's backward alone.
    ///
    /// Like PyTorch, the given gradient is used in place rather than copied when this tensor has
    /// none yet (backward closures only read their output's gradient); in that case this
    /// tensor's own `gradient` is nil afterwards.
    public func backward(gradient: Tensor) {
        shapeCheck(
            gradient.shape == shape, "backward",
            "gradient \(gradient.shape) does not match tensor \(shape)")
        guard requiresGradient else { return }
        if gradientPointer == nil {
            gradientPointer = gradient.data
            ownsGradient = false
            withExtendedLifetime(gradient) { propagate() }
            gradientPointer = nil
            return
        }
        backward(seed: gradient.data)
    }

    private func backward(seed: UnsafePointer<Float>) {
        guard requiresGradient else { return }
        if let existing = gradientPointer {
            for i in 0..<count { existing[i] += seed[i] }
        } else {
            gradientPointer = pool.take(count)
            ownsGradient = true
            gradientPointer?.update(from: seed, count: count)
        }
        propagate()
    }

    /// Runs every recorded backward closure from this tensor down, in reverse topological order.
    private func propagate() {
        for node in topologicalOrder().reversed() {
            guard let closure = node.backwardClosure, node.gradientPointer != nil else {
                continue
            }
            node.backwardClosure = nil
            closure(node)
            for parent in node.parents where parent.requiresGradient {
                AnomalyDetection.check(parent, phase: .backward(from: node.operation))
            }
        }
    }
}
