import Foundation

/// AdamW with PyTorch's semantics (`torch.optim.AdamW`, amsgrad off): decoupled weight decay
/// applied before the moment update, bias-corrected moments, eps added after the square root.
///
/// For each trainable element at step t (1-based):
///   p ← p · (1 − lr·λ)                         (λ only for parameters the store marks `decays`)
///   m ← β₁m + (1−β₁)g ;  v ← β₂v + (1−β₂)g²
///   p ← p − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε)
/// Moments live in flat arrays the size of the store's gradients.
public final class AdamW {
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float
    /// Steps taken so far.
    public private(set) var step = 0
    /// First and second moments, flat.
    public private(set) var firstMoment: [Float]
    public private(set) var secondMoment: [Float]
    let store: ParameterStore

    public init(
        _ store: ParameterStore, learningRate: Float = 1e-3, beta1: Float = 0.9,
        beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0.01
    ) {
        self.store = store
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        firstMoment = [Float](repeating: 0, count: store.trainableCount)
        secondMoment = [Float](repeating: 0, count: store.trainableCount)
    }

    /// Applies one update from the store's current gradients.
    public func update() {
        step += 1
        let correction1 = 1 - pow(beta1, Float(step))
        let correction2Root = sqrt(1 - pow(beta2, Float(step)))
        let rule = AdamWStep(
            beta1: beta1, beta2: beta2, epsilon: epsilon, stepSize: learningRate / correction1,
            correction2Root: correction2Root)
        guard let gradients = store.gradients.baseAddress, let values = store.values.baseAddress
        else { return }  // nothing trainable
        let decay = learningRate * weightDecay
        firstMoment.withUnsafeMutableBufferPointer { m in
            secondMoment.withUnsafeMutableBufferPointer { v in
                guard let m = m.baseAddress, let v = v.baseAddress else { return }
                store.forEachTrainable { valueStart, gradientStart, count, decays in
                    rule.apply(
                        values: values + valueStart, gradients: gradients + gradientStart,
                        first: m + gradientStart,
                        second: v + gradientStart, count: count,
                        keep: decays ? 1 - decay : 1)
                }
            }
        }
    }

    /// Restores moments and step (exact resume).
    public func restore(step: Int, firstMoment: [Float], secondMoment: [Float]) {
        precondition(
            firstMoment.count == self.firstMoment.count
                && secondMoment.count == self.secondMoment.count,
            "AdamW.restore: moment sizes \(firstMoment.count), \(secondMoment.count) do not match \(self.firstMoment.count)"
        )
        self.step = step
        self.firstMoment = firstMoment
        self.secondMoment = secondMoment
    }
}

/// SGD with momentum as `torch.optim.SGD` (dampening 0): g ← g + λp; b ← μb + g (b = g on the
/// first step); p ← p − lr · (nesterov ? g + μb : b).
public final class SGD {
    public var learningRate: Float
    public var momentum: Float
    public var weightDecay: Float
    public var nesterov: Bool
    public private(set) var step = 0
    public private(set) var velocity: [Float]
    let store: ParameterStore

    public init(
        _ store: ParameterStore, learningRate: Float, momentum: Float = 0,
        weightDecay: Float = 0, nesterov: Bool = false
    ) {
        self.store = store
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        velocity = [Float](repeating: 0, count: store.trainableCount)
    }

    public func update() {
        step += 1
        let first = step == 1
        let gradients = store.gradients
        let values = store.values
        velocity.withUnsafeMutableBufferPointer { b in
            store.forEachTrainable { valueStart, gradientStart, count, _ in
                for i in 0..<count {
                    let gi = gradientStart + i
                    let pi = valueStart + i
                    var g = gradients[gi] + weightDecay * values[pi]
                    if momentum != 0 {
                        b[gi] = first ? g : momentum * b[gi] + g
                        g = nesterov ? g + momentum * b[gi] : b[gi]
                    }
                    values[pi] -= learningRate * g
                }
            }
        }
    }
}
