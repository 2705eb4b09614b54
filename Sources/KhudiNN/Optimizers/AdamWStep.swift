/// One AdamW update of a parameter slice, eight lanes at a time.
///
/// The formula is written once, on `SIMD8<Float>`: the last partial group of a slice is copied
/// into zero-padded lanes and back, so every element goes through the same IEEE operations
/// (square root and division are correctly rounded in both the packed and the scalar
/// instructions, so the lanes change no result). The scalar loop it replaces ran at one square
/// root and one division per element.
struct AdamWStep {
    let beta1: Float
    let beta2: Float
    let epsilon: Float
    /// lr / (1 − β₁ᵗ).
    let stepSize: Float
    /// √(1 − β₂ᵗ).
    let correction2Root: Float

    /// Updates values, first and second moments in place from `gradients`; `keep` is
    /// 1 − lr·λ for a decayed parameter, else 1.
    func apply(
        values: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>,
        first: UnsafeMutablePointer<Float>, second: UnsafeMutablePointer<Float>, count: Int,
        keep: Float
    ) {
        var i = 0
        while i + 8 <= count {
            var (p, m, v) = (load(values + i), load(first + i), load(second + i))
            update(&p, &m, &v, gradient: load(gradients + i), keep: keep)
            store(p, values + i)
            store(m, first + i)
            store(v, second + i)
            i += 8
        }
        let rest = count - i
        guard rest > 0 else { return }
        var (p, m, v, g) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
        for lane in 0..<rest {
            (p[lane], m[lane], v[lane]) = (values[i + lane], first[i + lane], second[i + lane])
            g[lane] = gradients[i + lane]
        }
        update(&p, &m, &v, gradient: g, keep: keep)
        for lane in 0..<rest {
            (values[i + lane], first[i + lane], second[i + lane]) = (p[lane], m[lane], v[lane])
        }
    }

    /// p ← p·keep; m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; p ← p − stepSize·m / (√v/c₂ + ε).
    @inline(__always) private func update(
        _ p: inout SIMD8<Float>, _ m: inout SIMD8<Float>, _ v: inout SIMD8<Float>,
        gradient g: SIMD8<Float>, keep: Float
    ) {
        p *= keep
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        p -= stepSize * m / (v.squareRoot() / correction2Root + epsilon)
    }

    @inline(__always) private func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always) private func store(_ value: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: value, as: SIMD8<Float>.self)
    }
}
