/// Copies that change layout: slicing and concatenating along an axis, swapping two axes.
///
/// A shape is seen as (outer, axis, inner) around the axis being cut or joined, so every
/// copy is a loop over contiguous runs of `inner` (or `length · inner`) floats.

/// out (outer, length, inner) = x (outer, axisSize, inner)[:, start..<start+length, :].
func sliceForward(
    _ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
    outer: Int, axisSize: Int, inner: Int, start: Int, length: Int
) {
    for o in 0..<outer {
        (out + o * length * inner).update(
            from: x + (o * axisSize + start) * inner, count: length * inner)
    }
}

/// dX[:, start..<start+length, :] += dOut.
func sliceBackward(
    _ dX: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
    outer: Int, axisSize: Int, inner: Int, start: Int, length: Int
) {
    for o in 0..<outer {
        let target = dX + (o * axisSize + start) * inner
        let source = dOut + o * length * inner
        for i in 0..<(length * inner) { target[i] += source[i] }
    }
}

/// Swaps axes `first` and `second` of a tensor of `shape` into `out`.
func swapAxes(
    _ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, shape: Shape,
    first: Int, second: Int, accumulate: Bool
) {
    var outShape = shape
    outShape.swapAt(first, second)
    var inStrides = [Int](repeating: 1, count: shape.count)
    for axis in stride(from: shape.count - 2, through: 0, by: -1) {
        inStrides[axis] = inStrides[axis + 1] * shape[axis + 1]
    }
    // Walking the output in order, the input stride of each output axis is the stride of the
    // input axis it came from.
    var strides = inStrides
    strides.swapAt(first, second)
    var index = [Int](repeating: 0, count: shape.count)
    var source = 0
    for position in 0..<shape.elementCount {
        if accumulate { out[position] += x[source] } else { out[position] = x[source] }
        var axis = shape.count - 1
        while axis >= 0 {
            index[axis] += 1
            source += strides[axis]
            if index[axis] < outShape[axis] { break }
            source -= strides[axis] * outShape[axis]
            index[axis] = 0
            axis -= 1
        }
    }
}

/// Σ x in Double, returned as Float (pairs well with float32 tolerances).
func sumAll(_ x: UnsafePointer<Float>, n: Int) -> Float {
    var total = 0.0
    for i in 0..<n { total += Double(x[i]) }
    return Float(total)
}
