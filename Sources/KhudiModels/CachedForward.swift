import KhudiNN
import KhudiTensor

/// The rows of a cached forward pass, grouped by the caches they follow.
///
/// Each group is one set of caches (one per block) holding `batch` rows at one position; the
/// rows of the input are the groups' rows in order. One group is the ordinary batched step;
/// one group per sequence lets sequences at different positions (prompts of different lengths)
/// share every projection as one matrix product while each attends over its own cache.
struct CachedRows {
    let groups: [[KeyValueCache]]
    /// New positions per row.
    let length: Int

    /// The position of each group's first new token (its cached length before this step).
    let offsets: [Int]

    init(_ groups: [[KeyValueCache]], length: Int) {
        self.groups = groups
        self.length = length
        offsets = groups.map { $0.first?.length ?? 0 }
    }

    var rowCount: Int { groups.reduce(0) { $0 + ($1.first?.batch ?? 0) } }

    /// Position ids (rows × length) of the new tokens.
    var positions: [Int32] {
        zip(groups, offsets).flatMap { caches, offset in
            let rows = caches.first?.batch ?? 0
            return (0..<rows).flatMap { _ in (offset..<offset + length).map { Int32($0) } }
        }
    }

    /// Block `block`'s attention: `attend(q, k, v, cache)` for each group's rows of q, k, v,
    /// joined back in row order.
    func attention(
        _ q: Tensor, _ k: Tensor, _ v: Tensor, block: Int,
        attend: (Tensor, Tensor, Tensor, KeyValueCache) -> Tensor
    ) -> Tensor {
        guard groups.count > 1 else { return attend(q, k, v, groups[0][block]) }
        var start = 0
        let parts = groups.map { caches in
            let cache = caches[block]
            let rows = start..<start + cache.batch
            start = rows.upperBound
            return attend(
                q.sliced(axis: 0, rows), k.sliced(axis: 0, rows), v.sliced(axis: 0, rows), cache)
        }
        return concatenate(parts, axis: 0)
    }

    /// x (rows, length, width) cut to its last position when only that is wanted.
    func lastPositions(_ x: Tensor, only: Bool) -> Tensor {
        only && length > 1 ? x.sliced(axis: 1, length - 1..<length) : x
    }
}

extension GPT2Model {
    /// One empty key/value cache per block, for `batch` rows of up to `capacity` positions
    /// (default: the whole context).
    public func makeCaches(batch: Int, capacity: Int? = nil) -> [KeyValueCache] {
        blocks.map { _ in
            KeyValueCache(
                batch: batch, capacity: capacity ?? configuration.contextLength,
                kvHeads: configuration.heads,
                headDim: configuration.dimension / configuration.heads)
        }
    }

    /// Logits for `tokens` (each group's rows of `length` ids, in order) after their caches.
    ///
    /// The caches then hold the new positions too. Inference only.
    public func logits(
        _ tokens: [Int32], length: Int, following groups: [[KeyValueCache]],
        lastPositionOnly: Bool
    ) throws(ModelError) -> Tensor {
        try checkCachedInput(tokens, length: length, groups: groups)
        let rows = CachedRows(groups, length: length)
        var x = try inferring {
            try tokenEmbedding(tokens, shape: [rows.rowCount, length])
                + positionEmbedding(rows.positions, shape: [rows.rowCount, length])
        }
        return GradientMode.withoutGradients {
            let (width, heads) = (configuration.dimension, configuration.heads)
            let weights = decodingWeights
            func project(_ layer: Linear, _ input: Tensor) -> Tensor {
                weights?.project(layer, input) ?? layer(input)
            }
            for (index, block) in blocks.enumerated() {
                let qkv = project(block.attention.qkv, block.norm1(x))
                let attended = rows.attention(
                    qkv.sliced(axis: 2, 0..<width), qkv.sliced(axis: 2, width..<2 * width),
                    qkv.sliced(axis: 2, 2 * width..<3 * width), block: index
                ) { q, k, v, cache in
                    cachedCausalAttention(
                        query: q, key: k, value: v, queryHeads: heads, cache: cache)
                }
                let h = x + project(block.attention.projection, attended)
                let mlp = block.mlp
                x = h + project(mlp.down, gelu(project(mlp.up, block.norm2(h))))
            }
            let normed = finalNorm(rows.lastPositions(x, only: lastPositionOnly))
            return weights?.logits(normed, head: tokenEmbedding.weight)
                ?? linear(normed, weight: tokenEmbedding.weight)
        }
    }
}

extension LlamaModel {
    /// One empty key/value cache per block, for `batch` rows of up to `capacity` positions
    /// (default: the whole context).
    public func makeCaches(batch: Int, capacity: Int? = nil) -> [KeyValueCache] {
        blocks.map { _ in
            KeyValueCache(
                batch: batch, capacity: capacity ?? configuration.contextLength,
                kvHeads: configuration.kvHeads, headDim: configuration.headDim)
        }
    }

    /// Logits for `tokens` (each group's rows of `length` ids, in order) after their caches.
    ///
    /// The caches then hold the new positions too. Inference only.
    public func logits(
        _ tokens: [Int32], length: Int, following groups: [[KeyValueCache]],
        lastPositionOnly: Bool
    ) throws(ModelError) -> Tensor {
        try checkCachedInput(tokens, length: length, groups: groups)
        let rows = CachedRows(groups, length: length)
        var x = try inferring { try tokenEmbedding(tokens, shape: [rows.rowCount, length]) }
        return GradientMode.withoutGradients {
            let c = configuration
            let weights = decodingWeights
            func project(_ layer: Linear, _ input: Tensor) -> Tensor {
                weights?.project(layer, input) ?? layer(input)
            }
            for (index, block) in blocks.enumerated() {
                let a = block.inputNorm(x)
                let attention = block.attention
                let attended = rows.attention(
                    project(attention.query, a), project(attention.key, a),
                    project(attention.value, a), block: index
                ) { q, k, v, cache in
                    // Rotated at the group's own positions, before the cache takes k.
                    cachedCausalAttention(
                        query: rotary(q, table: rope, heads: c.heads, positionOffset: cache.length),
                        key: rotary(k, table: rope, heads: c.kvHeads, positionOffset: cache.length),
                        value: v, queryHeads: c.heads, cache: cache)
                }
                let h = x + project(attention.output, attended)
                let b = block.postAttentionNorm(h)
                let mlp = block.mlp
                x =
                    h
                    + project(mlp.down, swiglu(gate: project(mlp.gate, b), up: project(mlp.up, b)))
            }
            let normed = finalNorm(rows.lastPositions(x, only: lastPositionOnly))
            let head = head?.weight ?? tokenEmbedding.weight
            return weights?.logits(normed, head: head) ?? linear(normed, weight: head)
        }
    }
}

extension LanguageModel {
    /// Logits (batch, length, vocabulary) for `tokens` following what `caches` hold.
    ///
    /// `caches` are one per block, made for `batch` rows; they then hold the new positions
    /// too. Inference only.
    public func logits(
        _ tokens: [Int32], batch: Int, length: Int, caches: [KeyValueCache]
    ) throws(ModelError) -> Tensor {
        guard caches.allSatisfy({ $0.batch == batch }) else {
            throw .badInput("caches are not the model's, made for a batch of \(batch)")
        }
        return try logits(tokens, length: length, following: [caches], lastPositionOnly: false)
    }

    /// Checks new tokens against the cache groups: one cache per block in each, every cache of
    /// a group at one length and batch, and room in the context for the new positions.
    func checkCachedInput(
        _ tokens: [Int32], length: Int, groups: [[KeyValueCache]]
    ) throws(ModelError) {
        guard !groups.isEmpty, length > 0 else {
            throw .badInput("a cached step needs at least one group of caches and one position")
        }
        var rows = 0
        for (index, caches) in groups.enumerated() {
            guard let first = caches.first, caches.count == layerCount,
                caches.allSatisfy({ $0.batch == first.batch && $0.length == first.length })
            else {
                throw .badInput(
                    "cache group \(index) is not the model's: it needs one cache per block (\(layerCount)), all of one batch and length"
                )
            }
            guard first.length + length <= min(contextLength, first.capacity) else {
                throw .badInput(
                    "\(first.length) cached + \(length) new tokens exceed the model's context of \(min(contextLength, first.capacity))"
                )
            }
            rows += first.batch
        }
        guard tokens.count == rows * length else {
            throw .badInput("\(tokens.count) token ids for \(rows) rows of \(length)")
        }
    }
}
