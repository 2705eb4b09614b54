import Foundation

/// Activations: GELU (tanh approximation), SiLU, SwiGLU and softmax over the last dimension.

/// GELU with the tanh approximation, as GPT-2 uses.
public func gelu(_ x: Tensor) -> Tensor {
    let out = Tensor.output("gelu", shape: x.shape, from: [x])
    geluForward(out.data, x.data, n: x.count)
    return out.recordBackward { out in
        if let dX = x.gradientTarget {
            geluBackward(
                dX.pointer, out.gradientData, x.data, n: x.count, accumulate: dX.accumulate)
        }
    }
}

/// x · σ(x).
public func silu(_ x: Tensor) -> Tensor {
    let out = Tensor.output("silu", shape: x.shape, from: [x])
    siluForward(out.data, x.data, n: x.count)
    return out.recordBackward { out in
        if let dX = x.gradientIfNeeded {
            siluBackward(dX, out.gradientData, x.data, n: x.count)
        }
    }
}

/// silu(gate) ∘ up in one pass (Llama's MLP).
///
/// Equals `silu(gate) * up`, without keeping the intermediate silu(gate) for backward.
public func swiglu(gate: Tensor, up: Tensor) -> Tensor {
    shapeCheck(gate.shape == up.shape, "swiglu", "gate \(gate.shape) and up \(up.shape) differ")
    let out = Tensor.output("swiglu", shape: gate.shape, from: [gate, up])
    guard out.requiresGradient else {
        swigluForward(out.data, gate.data, up.data, n: gate.count)
        return out
    }
    // Training keeps σ(gate) for backward, which then needs no exponentials (measured: the
    // backward pass was bound by recomputing them on baseline x86-64).
    let sigmoid = Tensor(uninitialized: gate.shape)
    swigluForward(out.data, gate.data, up.data, n: gate.count, keepingSigmoid: sigmoid.data)
    return out.recordBackward { out in
        if gate.requiresGradient && up.requiresGradient && gate.gradientPointer == nil
            && up.gradientPointer == nil, let dGate = gate.gradientTarget,
            let dUp = up.gradientTarget
        {
            swigluBackward(
                dGate.pointer, dUp.pointer, out.gradientData, gate.data, up.data, sigmoid.data,
                n: gate.count, overwrite: true)
        } else {
            swigluBackward(
                gate.gradientIfNeeded, up.gradientIfNeeded, out.gradientData, gate.data, up.data,
                sigmoid.data, n: gate.count)
        }
    }
}

/// Softmax over the last dimension.
public func softmax(_ x: Tensor) -> Tensor {
    let c = x.shape.last ?? 1
    let out = Tensor.output("softmax", shape: x.shape, from: [x])
    softmaxForward(out.data, x.data, rows: x.count / c, c: c)
    return out.recordBackward { out in
        if let dX = x.gradientIfNeeded {
            softmaxBackward(dX, out.gradientData, out.data, rows: x.count / c, c: c)
        }
    }
}

/// The natural logarithm, element-wise.
public func log(_ x: Tensor) -> Tensor {
    let out = Tensor.output("log", shape: x.shape, from: [x])
    for i in 0..<x.count { out.data[i] = logf(x.data[i]) }
    return out.recordBackward { out in
        guard let dX = x.gradientIfNeeded else { return }
        let g = out.gradientData
        for i in 0..<x.count { dX[i] += g[i] / x.data[i] }
    }
}

/// e^x, element-wise.
public func exp(_ x: Tensor) -> Tensor {
    let out = Tensor.output("exp", shape: x.shape, from: [x])
    for i in 0..<x.count { out.data[i] = expf(x.data[i]) }
    return out.recordBackward { out in
        guard let dX = x.gradientIfNeeded else { return }
        let g = out.gradientData
        for i in 0..<x.count { dX[i] += g[i] * out.data[i] }
    }
}
