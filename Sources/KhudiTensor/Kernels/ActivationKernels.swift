import Foundation

/// Activation kernels, forward and backward side by side. All buffers have `n` elements.

/// √(2/π), the GELU tanh approximation's constant.
private let geluScale: Float = 0.797_884_56

/// out = 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), GPT-2's "gelu_new".
func geluForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, n: Int) {
    KernelThreads.forEachRange(n, grain: 16_384) { range in
        for i in range {
            let v = x[i]
            let inner = geluScale * (v + 0.044_715 * v * v * v)
            out[i] = 0.5 * v * (1 + tanhf(inner))
        }
    }
}

/// dX += dOut · d/dx gelu(x)
func geluBackward(
    _ dX: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
    n: Int
) {
    KernelThreads.forEachRange(n, grain: 16_384) { range in
        for i in range {
            let v = x[i]
            let inner = geluScale * (v + 0.044_715 * v * v * v)
            let t = tanhf(inner)
            let sech2 = 1 - t * t
            let local = 0.5 * (1 + t) + 0.5 * v * sech2 * geluScale * (1 + 3 * 0.044_715 * v * v)
            dX[i] += dOut[i] * local
        }
    }
}

/// The logistic function 1 / (1 + e^(−x)).
@inline(__always) func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

/// out = x · σ(x)
func siluForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, n: Int) {
    KernelThreads.forEachRange(n, grain: 16_384) { range in
        for i in range { out[i] = x[i] * sigmoid(x[i]) }
    }
}

/// dX += dOut · σ(x)·(1 + x·(1 − σ(x)))
func siluBackward(
    _ dX: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
    n: Int
) {
    KernelThreads.forEachRange(n, grain: 16_384) { range in
        for i in range {
            let s = sigmoid(x[i])
            dX[i] += dOut[i] * s * (1 + x[i] * (1 - s))
        }
    }
}

/// out = silu(gate) · up, Llama's SwiGLU (fused: one pass, no silu(gate) buffer kept).
func swigluForward(
    _ out: UnsafeMutablePointer<Float>, _ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>,
    n: Int
) {
    KernelThreads.forEachRange(n, grain: 16_384) { range in
        for i in range { out[i] = gate[i] * sigmoid(gate[i]) * up[i] }
    }
}

/// dGate += dOut · up · silu'(gate); dUp += dOut · silu(gate). Either may be nil.
func swigluBackward(
    _ dGate: UnsafeMutablePointer<Float>?, _ dUp: UnsafeMutablePointer<Float>?,
    _ dOut: UnsafePointer<Float>, _ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>,
    n: Int
) {
    KernelThreads.forEachRange(n, grain: 16_384) { range in
        for i in range {
            let g = gate[i]
            let s = sigmoid(g)
            if let dGate { dGate[i] += dOut[i] * up[i] * s * (1 + g * (1 - s)) }
            if let dUp { dUp[i] += dOut[i] * g * s }
        }
    }
}
