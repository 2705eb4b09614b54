/// Inverted dropout: each element is zeroed with probability `p` and the rest scaled by 1/(1−p).
///
/// The mask depends only on `seed` and the element index, so a run is reproducible; callers pass a
/// new seed per call (for example derived from step and layer). With p = 0 the input is returned
/// unchanged.
public func dropout(_ x: Tensor, probability p: Float, seed: UInt64) -> Tensor {
    shapeCheck(p >= 0 && p < 1, "dropout", "probability \(p) must be in [0, 1)")
    guard p > 0 else { return x }
    let out = Tensor.output("dropout", shape: x.shape, from: [x])
    let mask = Tensor(uninitialized: x.shape)
    dropoutForward(out.data, mask.data, x.data, p: p, seed: seed, n: x.count)
    return out.recordBackward { out in
        if let dX = x.gradientIfNeeded {
            dropoutBackward(dX, out.gradientData, mask.data, n: x.count)
        }
    }
}
