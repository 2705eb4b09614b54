import Foundation
import KhudiTensor

/// Every parameter of a model in one flat buffer, and every trainable parameter's gradient in
/// another, so that update, clipping, all-reduce and checkpointing are single loops or single
/// writes (llm.c's layout).
///
/// Creating a store re-points each parameter tensor into it.
public final class ParameterStore {
    /// One parameter's place in the flat buffers.
    public struct Entry: Sendable {
        public var name: String
        public var shape: [Int]
        /// Start in `values`.
        public var offset: Int
        /// Start in `gradients`, or nil for a frozen parameter.
        public var gradientOffset: Int?
        /// Whether AdamW's decoupled weight decay applies (matrices yes; norms and biases no).
        public var decays: Bool
        public var count: Int { shape.reduce(1, *) }
    }

    public let entries: [Entry]
    public let tensors: [Tensor]
    /// All parameter values, in `namedParameters` order.
    public let values: UnsafeMutableBufferPointer<Float>
    /// Gradients of the trainable parameters only.
    public let gradients: UnsafeMutableBufferPointer<Float>

    /// Packs `module`'s parameters.
    ///
    /// Trainable means `requiresGradient` at this moment; `decays` picks the weight-decay group
    /// (default: tensors of rank ≥ 2, as nanoGPT does).
    public init(
        _ module: any Module,
        decays: (_ name: String, _ tensor: Tensor) -> Bool = { _, tensor in tensor.shape.count >= 2
        }
    ) {
        var entries: [Entry] = []
        var total = 0
        var trainable = 0
        for (name, tensor) in module.namedParameters {
            let gradientOffset = tensor.requiresGradient ? trainable : nil
            entries.append(
                Entry(
                    name: name, shape: tensor.shape, offset: total,
                    gradientOffset: gradientOffset, decays: decays(name, tensor)))
            total += tensor.count
            if tensor.requiresGradient { trainable += tensor.count }
        }
        let valueStart = UnsafeMutablePointer<Float>.allocate(capacity: max(1, total))
        let gradientStart = UnsafeMutablePointer<Float>.allocate(capacity: max(1, trainable))
        gradientStart.initialize(repeating: 0, count: trainable)
        let values = UnsafeMutableBufferPointer(start: valueStart, count: total)
        let gradients = UnsafeMutableBufferPointer(start: gradientStart, count: trainable)
        for (entry, tensor) in zip(entries, module.parameters) {
            let gradient = entry.gradientOffset.map { gradientStart + $0 }
            tensor.rebind(storage: valueStart + entry.offset, gradient: gradient)
        }
        self.values = values
        self.gradients = gradients
        self.entries = entries
        self.tensors = module.parameters
    }

    deinit {
        values.deallocate()
        gradients.deallocate()
    }

    /// Number of trainable scalars (the length of `gradients`).
    public var trainableCount: Int { gradients.count }

    /// Sets every gradient to zero.
    public func zeroGradients() {
        gradients.update(repeating: 0)
    }

    /// Calls `body` with each trainable parameter's start in `values` and in `gradients`, its
    /// element count and whether weight decay applies to it, so an optimizer can update values
    /// in place from the flat gradient.
    func forEachTrainable(
        _ body: (_ values: Int, _ gradients: Int, _ count: Int, _ decays: Bool) -> Void
    ) {
        for entry in entries {
            if let gradientOffset = entry.gradientOffset {
                body(entry.offset, gradientOffset, entry.count, entry.decays)
            }
        }
    }

    /// The Euclidean norm of all gradients together, accumulated in Double over eight lanes
    /// (one accumulator would wait on each add's latency).
    public func gradientNorm() -> Float {
        var lanes = SIMD8<Double>()
        var i = 0
        guard let g = gradients.baseAddress else { return 0 }
        while i + 8 <= gradients.count {
            let v = SIMD8<Double>(UnsafeRawPointer(g + i).loadUnaligned(as: SIMD8<Float>.self))
            lanes += v * v
            i += 8
        }
        var total = lanes.sum()
        while i < gradients.count {
            total += Double(g[i]) * Double(g[i])
            i += 1
        }
        return Float(total.squareRoot())
    }

    /// Scales all gradients so their global norm is at most `maxNorm`, as PyTorch's
    /// `clip_grad_norm_` does (coefficient maxNorm / (norm + 1e-6), capped at 1).
    ///
    /// Returns the norm measured before clipping.
    @discardableResult
    public func clipGradients(maxNorm: Float) -> Float {
        let norm = gradientNorm()
        let coefficient = min(1, maxNorm / (norm + 1e-6))
        if coefficient < 1 {
            for i in gradients.indices { gradients[i] *= coefficient }
        }
        return norm
    }

    /// The values of the parameter called `name`, or nil.
    public func values(of name: String) -> [Float]? {
        guard let entry = entries.first(where: { $0.name == name }) else { return nil }
        return Array(values[entry.offset..<(entry.offset + entry.count)])
    }
}
