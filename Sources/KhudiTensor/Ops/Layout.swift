/// Shape changes: reshape (shares storage), transpose, slice and concatenate (copies).

extension Tensor {
    /// The same values viewed with another shape of equal element count.
    ///
    /// The view shares the input's storage (the input is kept alive by the view); gradients are
    /// separate buffers.
    public func reshaped(_ newShape: Shape) -> Tensor {
        shapeCheck(
            newShape.elementCount == count, "reshape",
            "cannot view \(shape) (\(count) elements) as \(newShape)")
        let out = Tensor.output("reshape", shape: newShape, from: [self])
        out.pool.give(out.data, count: out.count)
        out.data = data
        out.ownsData = false
        out.storageOwner = self
        return out.recordBackward { [self] out in
            if let dX = gradientIfNeeded {
                broadcastOperandBackward(
                    dX, out.gradientData, scale: nil, n: count, m: count)
            }
        }
    }

    /// A copy with axes `first` and `second` swapped.
    public func transposed(_ first: Int, _ second: Int) -> Tensor {
        shapeCheck(
            first < shape.count && second < shape.count, "transpose",
            "axes \(first), \(second) out of range for shape \(shape)")
        var outShape = shape
        outShape.swapAt(first, second)
        let out = Tensor.output("transpose", shape: outShape, from: [self])
        swapAxes(out.data, data, shape: shape, first: first, second: second, accumulate: false)
        return out.recordBackward { [self] out in
            if let dX = gradientIfNeeded {
                swapAxes(
                    dX, out.gradientData, shape: outShape, first: first,
                    second: second, accumulate: true)
            }
        }
    }

    /// A copy of `range` along `axis`.
    public func sliced(axis: Int, _ range: Range<Int>) -> Tensor {
        shapeCheck(
            axis < shape.count && range.lowerBound >= 0 && range.upperBound <= shape[axis],
            "slice", "range \(range) on axis \(axis) is outside shape \(shape)")
        let outer = shape[..<axis].elementCount
        let inner = shape[(axis + 1)...].elementCount
        var outShape = shape
        outShape[axis] = range.count
        let out = Tensor.output("slice", shape: outShape, from: [self])
        sliceForward(
            out.data, data, outer: outer, axisSize: shape[axis], inner: inner,
            start: range.lowerBound, length: range.count)
        return out.recordBackward { [self] out in
            if let dX = gradientIfNeeded {
                sliceBackward(
                    dX, out.gradientData, outer: outer,
                    axisSize: shape[axis], inner: inner, start: range.lowerBound,
                    length: range.count)
            }
        }
    }
}

extension Array where Element == Int {
    fileprivate subscript(range: PartialRangeUpTo<Int>) -> [Int] {
        Array(self[range.relative(to: self)])
    }
    fileprivate subscript(range: PartialRangeFrom<Int>) -> [Int] {
        Array(self[range.relative(to: self)])
    }
}

/// Joins tensors along `axis`; all other dimensions must agree.
public func concatenate(_ tensors: [Tensor], axis: Int) -> Tensor {
    shapeCheck(!tensors.isEmpty, "concatenate", "needs at least one tensor")
    let first = tensors[0].shape
    for t in tensors {
        var a = t.shape
        var b = first
        shapeCheck(
            a.count == b.count && axis < a.count, "concatenate",
            "shape \(t.shape) cannot join \(first) on axis \(axis)")
        a[axis] = 0
        b[axis] = 0
        shapeCheck(a == b, "concatenate", "shape \(t.shape) cannot join \(first) on axis \(axis)")
    }
    let total = tensors.reduce(0) { $0 + $1.shape[axis] }
    var outShape = first
    outShape[axis] = total
    let outer = Array(first[..<axis]).elementCount
    let inner = Array(first[(axis + 1)...]).elementCount
    let out = Tensor.output("concatenate", shape: outShape, from: tensors)
    var start = 0
    var starts: [Int] = []
    for t in tensors {
        starts.append(start)
        let length = t.shape[axis]
        for o in 0..<outer {
            (out.data + (o * total + start) * inner).update(
                from: t.data + o * length * inner,
                count: length * inner)
        }
        start += length
    }
    return out.recordBackward { out in
        for (t, start) in zip(tensors, starts) {
            if let dT = t.gradientIfNeeded {
                // Reading the input's range back out of dOut is a slice's forward, accumulated.
                let length = t.shape[axis]
                let g = out.gradientData
                for o in 0..<outer {
                    let source = g + (o * total + start) * inner
                    let target = dT + o * length * inner
                    for i in 0..<(length * inner) { target[i] += source[i] }
                }
            }
        }
    }
}

/// Σ of all elements, as a scalar.
public func sum(_ x: Tensor) -> Tensor {
    let out = Tensor.output("sum", shape: [], from: [x])
    out.data[0] = sumAll(x.data, n: x.count)
    return out.recordBackward { out in
        guard let dX = x.gradientIfNeeded else { return }
        let g = out.gradientBuffer[0]
        for i in 0..<x.count { dX[i] += g }
    }
}

/// The mean of all elements, composed from `sum` and scaling.
public func mean(_ x: Tensor) -> Tensor { sum(x) * (1 / Float(x.count)) }
