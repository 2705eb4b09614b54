/// How an operation joins the tape: its output records parents and a backward closure only
/// when gradient recording is on and some input needs a gradient.
extension Tensor {
    /// A fresh output tensor for `operation` computed from `inputs`.
    static func output(_ operation: String, shape: Shape, from inputs: [Tensor]) -> Tensor {
        let recording = GradientMode.isEnabled && inputs.contains { $0.requiresGradient }
        return Tensor(
            uninitialized: shape, operation: operation, parents: recording ? inputs : [],
            requiresGradient: recording)
    }

    /// Attaches the closure that adds this output's gradient into its inputs' gradients, and runs
    /// the non-finite check when anomaly detection is on.
    ///
    /// Returns `self`.
    @discardableResult
    func recordBackward(_ closure: @escaping (Tensor) -> Void) -> Tensor {
        if requiresGradient { backwardClosure = closure }
        AnomalyDetection.check(self, phase: .forward)
        return self
    }

    /// The gradient buffer of this input if it needs one, else nil (so backward skips it).
    var gradientIfNeeded: UnsafeMutablePointer<Float>? {
        requiresGradient ? gradientData : nil
    }

    /// Where a backward kernel writes this input's gradient, and whether it must add to what is
    /// there: a gradient met for the first time gets an uninitialized buffer that the kernel
    /// overwrites (no zero-fill and no read of zeros: the memory-bound ops' largest cost).
    var gradientTarget: GradientTarget? {
        guard requiresGradient else { return nil }
        if let gradientPointer { return GradientTarget(pointer: gradientPointer, accumulate: true) }
        let fresh = pool.take(count)
        gradientPointer = fresh
        ownsGradient = true
        return GradientTarget(pointer: fresh, accumulate: false)
    }
}

/// A gradient buffer and whether a kernel adds to it (`+=`) or fills it (`=`).
struct GradientTarget {
    var pointer: UnsafeMutablePointer<Float>
    var accumulate: Bool
}
