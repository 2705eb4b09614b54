import Foundation

/// Keys and values of the positions already processed, per layer, so generation computes each
/// new token's attention without recomputing the prompt.
///
/// Holds (batch, capacity, kvHeads · headDim) keys and values; `length` positions are filled.
public final class KeyValueCache: @unchecked Sendable {
    public let batch: Int
    public let capacity: Int
    public let kvHeads: Int
    public let headDim: Int
    /// Positions filled so far (the next token's position).
    public private(set) var length = 0
    let keys: UnsafeMutablePointer<Float>
    let values: UnsafeMutablePointer<Float>

    public init(batch: Int, capacity: Int, kvHeads: Int, headDim: Int) {
        self.batch = batch
        self.capacity = capacity
        self.kvHeads = kvHeads
        self.headDim = headDim
        let count = max(1, batch * capacity * kvHeads * headDim)
        keys = .allocate(capacity: count)
        values = .allocate(capacity: count)
    }

    deinit {
        keys.deallocate()
        values.deallocate()
    }

    var width: Int { kvHeads * headDim }

    /// Forgets every position (the buffers are kept for the next sequence).
    public func reset() { length = 0 }

    /// Copies k and v (batch, new, kvHeads · headDim) in at positions length..<length + new.
    func append(key k: Tensor, value v: Tensor) {
        let new = k.shape[1]
        for b in 0..<batch {
            let destination = (b * capacity + length) * width
            let source = b * new * width
            (keys + destination).update(from: k.data + source, count: new * width)
            (values + destination).update(from: v.data + source, count: new * width)
        }
        length += new
    }
}

/// Attention for inference with a cache.
///
/// Appends k and v (batch, new, kvHeads · headDim) to `cache`, then attends each of q's `new` rows (batch, new, queryHeads · headDim), sitting at
/// positions cache.length − new …, causally to every cached position. No gradient is recorded.
///
/// With an empty cache and the whole sequence at once this equals `causalAttention(query:key:
/// value:…)`; the tests check that, and that token-by-token decoding gives the same outputs.
public func cachedCausalAttention(
    query q: Tensor, key k: Tensor, value v: Tensor, queryHeads: Int, cache: KeyValueCache
) -> Tensor {
    let new = q.shape.count == 3 ? q.shape[1] : 0
    shapeCheck(
        q.shape.count == 3 && k.shape == v.shape && k.shape == [cache.batch, new, cache.width]
            && q.shape[0] == cache.batch && q.shape[2] == queryHeads * cache.headDim
            && queryHeads % cache.kvHeads == 0,
        "cachedCausalAttention",
        "query \(q.shape), key \(k.shape), value \(v.shape) do not fit a cache of batch \(cache.batch), \(cache.kvHeads) kv heads of \(cache.headDim)"
    )
    shapeCheck(
        cache.length + new <= cache.capacity, "cachedCausalAttention",
        "\(cache.length) cached + \(new) new positions exceed the cache's \(cache.capacity)")
    if cache.length == 0 {
        // A prompt into an empty cache: the blocked GEMM kernel of training, no loops per row.
        cache.append(key: k, value: v)
        return GradientMode.withoutGradients {
            causalAttention(
                query: q, key: k, value: v, queryHeads: queryHeads, kvHeads: cache.kvHeads)
        }
    }
    cache.append(key: k, value: v)
    let out = Tensor(uninitialized: q.shape)
    let (headDim, width, total) = (cache.headDim, cache.width, cache.length)
    let past = total - new
    let group = queryHeads / cache.kvHeads
    let scale = 1 / sqrtf(Float(headDim))
    KernelThreads.forEachRange(cache.batch * queryHeads, grain: 1) { range in
        var scores = [Float](repeating: 0, count: total)
        for item in range {
            let (b, h) = (item / queryHeads, item % queryHeads)
            let keys = cache.keys + b * cache.capacity * width + (h / group) * headDim
            let values = cache.values + b * cache.capacity * width + (h / group) * headDim
            for row in 0..<new {
                let query = q.data + (b * new + row) * q.shape[2] + h * headDim
                let visible = past + row + 1
                var largest = -Float.infinity
                for j in 0..<visible {
                    let key = keys + j * width
                    scores[j] = scale * sumOf(headDim) { query[$0] * key[$0] }
                    largest = max(largest, scores[j])
                }
                let sum = scores.withUnsafeMutableBufferPointer { buffer -> Float in
                    guard let base = buffer.baseAddress else { return 0 }
                    exponentiate(base, base, 0..<visible, minus: largest)
                    return sumOf(visible) { base[$0] }
                }
                let output = out.data + (b * new + row) * q.shape[2] + h * headDim
                for d in 0..<headDim { output[d] = 0 }
                for j in 0..<visible {
                    let weight = scores[j] / sum
                    let value = values + j * width
                    for d in 0..<headDim { output[d] += weight * value[d] }
                }
            }
        }
    }
    return out
}
