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
    /// Per gradient element: 1 where weight decay applies, else 0 (for the optimizer loop).
    public let decayMask: [Float]

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
        var mask = [Float](repeating: 0, count: trainable)
        for (entry, tensor) in zip(entries, module.parameters) {
            let gradient = entry.gradientOffset.map { gradientStart + $0 }
            tensor.rebind(storage: valueStart + entry.offset, gradient: gradient)
            if let start = entry.gradientOffset, entry.decays {
                for i in start..<(start + entry.count) { mask[i] = 1 }
            }
        }
        self.values = values
        self.gradients = gradients
        self.entries = entries
        self.tensors = module.parameters
        self.decayMask = mask
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

    /// Calls `body(valueRange, gradientRange)` for each trainable parameter's slice, so an
    /// optimizer can update values in place from the flat gradient.
    func forEachTrainable(_ body: (_ values: Int, _ gradients: Int, _ count: Int) -> Void) {
        for entry in entries {
            if let gradientOffset = entry.gradientOffset {
                body(entry.offset, gradientOffset, entry.count)
            }
        }
    }

    /// The Euclidean norm of all gradients together (accumulated in Double).
    public func gradientNorm() -> Float {
        var total = 0.0
        for g in gradients { total += Double(g) * Double(g) }
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
