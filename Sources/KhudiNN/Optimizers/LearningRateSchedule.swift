import Foundation

/// The learning rate as a pure function of the step (0-based), as nanoGPT's `get_lr`.
public enum LearningRateSchedule: Sendable, Equatable {
    /// Always `peak`.
    case constant(peak: Float)
    /// Linear warmup from 0 to `peak` over `warmup` steps (step s gets peak·(s+1)/warmup), then
    /// cosine decay to `floor` at `total`, then `floor`.
    case warmupCosine(peak: Float, floor: Float, warmup: Int, total: Int)
    /// Warmup-stable-decay: linear warmup, `peak` until `total − decay`, then linear decay to
    /// `floor` at `total`.
    case warmupStableDecay(peak: Float, floor: Float, warmup: Int, decay: Int, total: Int)

    /// The rate at `step`.
    public func rate(at step: Int) -> Float {
        switch self {
        case .constant(let peak):
            return peak
        case .warmupCosine(let peak, let floor, let warmup, let total):
            if step < warmup { return peak * Float(step + 1) / Float(warmup) }
            if step >= total { return floor }
            let progress = Float(step - warmup) / Float(max(1, total - warmup))
            return floor + 0.5 * (peak - floor) * (1 + cos(Float.pi * progress))
        case .warmupStableDecay(let peak, let floor, let warmup, let decay, let total):
            if step < warmup { return peak * Float(step + 1) / Float(warmup) }
            if step >= total { return floor }
            let decayStart = total - decay
            if step < decayStart { return peak }
            let progress = Float(step - decayStart) / Float(max(1, decay))
            return peak + (floor - peak) * progress
        }
    }
}
