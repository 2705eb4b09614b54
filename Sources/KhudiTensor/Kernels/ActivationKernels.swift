import Foundation

/// Activation kernels, forward and backward side by side.
///
/// All buffers have `n` elements.

/// out = 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), GPT-2's "gelu_new".
func geluForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, n: Int) {
    KernelThreads.forEachRange(n, grain: 65_536) { geluLanes(out, x, $0) }
}

/// dX (+)= dOut · d/dx gelu(x): added when `accumulate`, else written (a fresh buffer is never
/// read: it may hold anything).
func geluBackward(
    _ dX: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
    n: Int, accumulate: Bool = true
) {
    KernelThreads.forEachRange(n, grain: 65_536) {
        geluBackwardLanes(dX, dOut, x, $0, accumulate: accumulate)
    }
}

/// out = x · σ(x).
func siluForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, n: Int) {
    KernelThreads.forEachRange(n, grain: 65_536) { siluLanes(out, x, $0) }
}

/// dX += dOut · σ(x)·(1 + x·(1 − σ(x))).
func siluBackward(
    _ dX: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
    n: Int
) {
    KernelThreads.forEachRange(n, grain: 65_536) { siluBackwardLanes(dX, dOut, x, $0) }
}

/// out = silu(gate) · up, Llama's SwiGLU (fused: one pass); σ(gate) is also written to
/// `sigmoid` when given, for the backward pass.
func swigluForward(
    _ out: UnsafeMutablePointer<Float>, _ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>,
    n: Int, keepingSigmoid sigmoid: UnsafeMutablePointer<Float>? = nil
) {
    KernelThreads.forEachRange(n, grain: 65_536) {
        swigluLanes(out, gate, up, $0, keepingSigmoid: sigmoid)
    }
}

/// dGate += dOut · up · silu'(gate); dUp += dOut · silu(gate), from σ(gate) saved by the
/// forward pass (silu'(x) = σ(x)·(1 + x·(1 − σ(x)))).
///
/// Either gradient may be nil. With `overwrite` both are fresh buffers, written rather than
/// added to.
func swigluBackward(
    _ dGate: UnsafeMutablePointer<Float>?, _ dUp: UnsafeMutablePointer<Float>?,
    _ dOut: UnsafePointer<Float>, _ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>,
    _ sigmoid: UnsafePointer<Float>, n: Int, overwrite: Bool = false
) {
    KernelThreads.forEachRange(n, grain: 65_536) { range in
        // Loops free of optionals vectorize.
        if let dGate, let dUp, overwrite {
            for i in range {
                let (s, g) = (sigmoid[i], dOut[i])
                dGate[i] = g * up[i] * s * (1 + gate[i] * (1 - s))
                dUp[i] = g * gate[i] * s
            }
        } else if let dGate, let dUp {
            for i in range {
                let (s, g) = (sigmoid[i], dOut[i])
                dGate[i] += g * up[i] * s * (1 + gate[i] * (1 - s))
                dUp[i] += g * gate[i] * s
            }
        } else if let dGate {
            for i in range {
                let s = sigmoid[i]
                dGate[i] += dOut[i] * up[i] * s * (1 + gate[i] * (1 - s))
            }
        } else if let dUp {
            for i in range { dUp[i] += dOut[i] * gate[i] * sigmoid[i] }
        }
    }
}
