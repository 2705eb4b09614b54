import Foundation

/// Activation kernels, forward and backward side by side.
///
/// All buffers have `n` elements.

/// √(2/π), the GELU tanh approximation's constant.
private let geluScale: Float = 0.797_884_56

/// out = 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), GPT-2's "gelu_new".
func geluForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, n: Int) {
    KernelThreads.forEachRange(n, grain: 65_536) { range in
        for i in range {
            let v = x[i]
            out[i] = 0.5 * v * (1 + fastTanh(geluScale * v * (1 + 0.044_715 * v * v)))
        }
    }
}

/// dX (+)= dOut · d/dx gelu(x): added when `accumulate`, else written (a fresh buffer is never
/// read: it may hold anything).
func geluBackward(
    _ dX: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
    n: Int, accumulate: Bool = true
) {
    @inline(__always) func local(_ i: Int) -> Float {
        let v = x[i]
        let t = fastTanh(geluScale * v * (1 + 0.044_715 * v * v))
        let slope = geluScale * (1 + 0.134_145 * v * v)
        return dOut[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * slope)
    }
    KernelThreads.forEachRange(n, grain: 65_536) { range in
        if accumulate {
            for i in range { dX[i] += local(i) }
        } else {
            for i in range { dX[i] = local(i) }
        }
    }
}

/// out = x · σ(x).
func siluForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, n: Int) {
    KernelThreads.forEachRange(n, grain: 65_536) { range in
        for i in range { out[i] = x[i] * fastSigmoid(x[i]) }
    }
}

/// dX += dOut · σ(x)·(1 + x·(1 − σ(x))).
func siluBackward(
    _ dX: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
    n: Int
) {
    KernelThreads.forEachRange(n, grain: 65_536) { range in
        for i in range {
            let s = fastSigmoid(x[i])
            dX[i] += dOut[i] * s * (1 + x[i] * (1 - s))
        }
    }
}

/// out = silu(gate) · up, Llama's SwiGLU (fused: one pass); σ(gate) is also written to
/// `sigmoid` when given, for the backward pass.
func swigluForward(
    _ out: UnsafeMutablePointer<Float>, _ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>,
    n: Int, keepingSigmoid sigmoid: UnsafeMutablePointer<Float>? = nil
) {
    KernelThreads.forEachRange(n, grain: 65_536) { range in
        if let sigmoid {
            for i in range {
                let s = fastSigmoid(gate[i])
                sigmoid[i] = s
                out[i] = gate[i] * s * up[i]
            }
        } else {
            for i in range { out[i] = gate[i] * fastSigmoid(gate[i]) * up[i] }
        }
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
