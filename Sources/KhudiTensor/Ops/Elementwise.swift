/// Addition, multiplication (with trailing-dimension broadcast) and scaling.
///
/// `b` may have the same shape as `a`, a suffix of it (a bias of shape (c) added to every
/// row of (n, c)), or a single element, as in NumPy broadcasting restricted to leading
/// dimensions.

private func checkBroadcast(_ op: String, _ a: Tensor, _ b: Tensor) {
    let isSuffix = b.shape.count <= a.shape.count && Array(a.shape.suffix(b.shape.count)) == b.shape
    shapeCheck(
        isSuffix || b.count == 1, op,
        "shape \(b.shape) does not broadcast onto \(a.shape) (it must be a suffix)")
}

/// a + b, broadcasting b over a's leading dimensions.
public func + (a: Tensor, b: Tensor) -> Tensor {
    checkBroadcast("add", a, b)
    let out = Tensor.output("add", shape: a.shape, from: [a, b])
    addForward(out.data, a.data, b.data, n: a.count, m: b.count)
    return out.recordBackward { out in
        let g = out.gradientData
        if let dA = a.gradientIfNeeded {
            broadcastOperandBackward(dA, g, scale: nil, n: a.count, m: a.count)
        }
        if let dB = b.gradientIfNeeded {
            broadcastSumBackward(dB, g, other: nil, n: a.count, m: b.count)
        }
    }
}

/// a ∘ b (element-wise product), broadcasting b over a's leading dimensions.
public func * (a: Tensor, b: Tensor) -> Tensor {
    checkBroadcast("multiply", a, b)
    let out = Tensor.output("multiply", shape: a.shape, from: [a, b])
    multiplyForward(out.data, a.data, b.data, n: a.count, m: b.count)
    return out.recordBackward { out in
        let g = out.gradientData
        if let dA = a.gradientIfNeeded {
            broadcastOperandBackward(dA, g, scale: b.data, n: a.count, m: b.count)
        }
        if let dB = b.gradientIfNeeded {
            broadcastSumBackward(dB, g, other: a.data, n: a.count, m: b.count)
        }
    }
}

/// x · s for a constant s.
public func * (x: Tensor, s: Float) -> Tensor {
    let out = Tensor.output("scale", shape: x.shape, from: [x])
    scaleForward(out.data, x.data, s, n: x.count)
    return out.recordBackward { out in
        if let dX = x.gradientIfNeeded {
            scaleBackward(dX, out.gradientData, s, n: x.count)
        }
    }
}

/// −x, composed from scaling.
public prefix func - (x: Tensor) -> Tensor { x * -1 }

/// a − b, composed from addition and scaling (so it needs no backward of its own).
public func - (a: Tensor, b: Tensor) -> Tensor { a + (-b) }
