import Foundation

/// Activation kernels, forward and backward side by side.
///
/// All buffers have `n` elements.

/// √(2/π), the GELU tanh approximation's constant.
private let geluScale: Float = 0.797_884_56

/// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), GPT-2's "gelu_new".
@inline(__always) private func gelu<T: FloatLanes>(_ v: T) -> T {
    let inner = T(broadcasting: geluScale) * v * (1.0 + 0.044_715 * v * v)
    return 0.5 * v * (1.0 + fastTanh(inner))
}

/// d/dx gelu(x).
@inline(__always) private func geluDerivative<T: FloatLanes>(_ v: T) -> T {
    let t = fastTanh(T(broadcasting: geluScale) * v * (1.0 + 0.044_715 * v * v))
    let slope = T(broadcasting: geluScale) * (1.0 + 0.134_145 * v * v)
    return 0.5 * (1.0 + t) + 0.5 * v * (1.0 - t * t) * slope
}

/// d/dx silu(x) from s = σ(x): σ(x)·(1 + x·(1 − σ(x))).
@inline(__always) private func siluDerivative<T: FloatLanes>(_ v: T, sigmoid s: T) -> T {
    s * (1.0 + v * (1.0 - s))
}

/// out = gelu(x).
func geluForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, n: Int) {
    @inline(__always) func step<T: FloatLanes>(_: T.Type, _ i: Int) {
        gelu(T(loading: x + i)).store(to: out + i)
    }
    KernelThreads.forEachRange(n, grain: 65_536) { range in
        forEachLanes(range, vector: { step(Float8.self, $0) }, scalar: { step(Float.self, $0) })
    }
}

/// dX (+)= dOut · d/dx gelu(x): added when `accumulate`, else written (a fresh buffer is never
/// read: it may hold anything).
func geluBackward(
    _ dX: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
    n: Int, accumulate: Bool = true
) {
    @inline(__always) func step<T: FloatLanes>(_: T.Type, _ i: Int) {
        let local = T(loading: dOut + i) * geluDerivative(T(loading: x + i))
        (accumulate ? T(loading: dX + i) + local : local).store(to: dX + i)
    }
    KernelThreads.forEachRange(n, grain: 65_536) { range in
        forEachLanes(range, vector: { step(Float8.self, $0) }, scalar: { step(Float.self, $0) })
    }
}

/// out = x · σ(x).
func siluForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, n: Int) {
    @inline(__always) func step<T: FloatLanes>(_: T.Type, _ i: Int) {
        let v = T(loading: x + i)
        (v * fastSigmoid(v)).store(to: out + i)
    }
    KernelThreads.forEachRange(n, grain: 65_536) { range in
        forEachLanes(range, vector: { step(Float8.self, $0) }, scalar: { step(Float.self, $0) })
    }
}

/// dX += dOut · silu'(x).
func siluBackward(
    _ dX: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
    n: Int
) {
    @inline(__always) func step<T: FloatLanes>(_: T.Type, _ i: Int) {
        let v = T(loading: x + i)
        let local = T(loading: dOut + i) * siluDerivative(v, sigmoid: fastSigmoid(v))
        (T(loading: dX + i) + local).store(to: dX + i)
    }
    KernelThreads.forEachRange(n, grain: 65_536) { range in
        forEachLanes(range, vector: { step(Float8.self, $0) }, scalar: { step(Float.self, $0) })
    }
}

/// out = silu(gate) · up, Llama's SwiGLU (fused: one pass); σ(gate) is also written to
/// `sigmoid` when given, for the backward pass.
func swigluForward(
    _ out: UnsafeMutablePointer<Float>, _ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>,
    n: Int, keepingSigmoid sigmoid: UnsafeMutablePointer<Float>? = nil
) {
    @inline(__always) func step<T: FloatLanes>(
        _: T.Type, _ i: Int, keep: UnsafeMutablePointer<Float>?
    ) {
        let g = T(loading: gate + i)
        let s = fastSigmoid(g)
        if let keep { s.store(to: keep + i) }
        (g * s * T(loading: up + i)).store(to: out + i)
    }
    KernelThreads.forEachRange(n, grain: 65_536) { range in
        forEachLanes(
            range, vector: { step(Float8.self, $0, keep: sigmoid) },
            scalar: { step(Float.self, $0, keep: sigmoid) })
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
                dGate[i] = g * up[i] * siluDerivative(gate[i], sigmoid: s)
                dUp[i] = g * gate[i] * s
            }
        } else if let dGate, let dUp {
            for i in range {
                let (s, g) = (sigmoid[i], dOut[i])
                dGate[i] += g * up[i] * siluDerivative(gate[i], sigmoid: s)
                dUp[i] += g * gate[i] * s
            }
        } else if let dGate {
            for i in range {
                let s = sigmoid[i]
                dGate[i] += dOut[i] * up[i] * siluDerivative(gate[i], sigmoid: s)
            }
        } else if let dUp {
            for i in range { dUp[i] += dOut[i] * gate[i] * sigmoid[i] }
        }
    }
}
