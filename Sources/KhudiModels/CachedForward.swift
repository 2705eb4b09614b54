import KhudiNN
import KhudiTensor

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

    /// Logits (batch, length, vocabulary) for `tokens` following the positions in `caches`.
    ///
    /// The caches then hold them too. Inference only: nothing is recorded for gradients.
    public func logits(
        _ tokens: [Int32], batch: Int, length: Int, caches: [KeyValueCache]
    ) throws(ModelError) -> Tensor {
        let past = caches.first?.length ?? 0
        try checkCachedInput(tokens, batch: batch, length: length, caches: caches)
        var x = try inferring {
            try tokenEmbedding(tokens, shape: [batch, length])
                + positionEmbedding((past..<past + length).map { Int32($0) }, shape: [length])
        }
        return GradientMode.withoutGradients {
            let width = configuration.dimension
            let weights = decodingWeights
            func project(_ layer: Linear, _ input: Tensor) -> Tensor {
                weights?.project(layer, input) ?? layer(input)
            }
            for (block, cache) in zip(blocks, caches) {
                let qkv = project(block.attention.qkv, block.norm1(x))
                let attended = cachedCausalAttention(
                    query: qkv.sliced(axis: 2, 0..<width),
                    key: qkv.sliced(axis: 2, width..<2 * width),
                    value: qkv.sliced(axis: 2, 2 * width..<3 * width),
                    queryHeads: configuration.heads, cache: cache)
                let h = x + project(block.attention.projection, attended)
                let mlp = block.mlp
                x = h + project(mlp.down, gelu(project(mlp.up, block.norm2(h))))
            }
            let normed = finalNorm(x)
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

    /// Logits (batch, length, vocabulary) for `tokens` following the positions in `caches`.
    ///
    /// The caches then hold them too. Inference only: nothing is recorded for gradients.
    public func logits(
        _ tokens: [Int32], batch: Int, length: Int, caches: [KeyValueCache]
    ) throws(ModelError) -> Tensor {
        let past = caches.first?.length ?? 0
        try checkCachedInput(tokens, batch: batch, length: length, caches: caches)
        var x = try inferring { try tokenEmbedding(tokens, shape: [batch, length]) }
        return GradientMode.withoutGradients {
            let c = configuration
            let weights = decodingWeights
            func project(_ layer: Linear, _ input: Tensor) -> Tensor {
                weights?.project(layer, input) ?? layer(input)
            }
            for (block, cache) in zip(blocks, caches) {
                let a = block.inputNorm(x)
                let attention = block.attention
                let attended = cachedCausalAttention(
                    query: rotary(
                        project(attention.query, a), table: rope, heads: c.heads,
                        positionOffset: past),
                    key: rotary(
                        project(attention.key, a), table: rope, heads: c.kvHeads,
                        positionOffset: past),
                    value: project(attention.value, a), queryHeads: c.heads, cache: cache)
                let h = x + project(attention.output, attended)
                let b = block.postAttentionNorm(h)
                let mlp = block.mlp
                x =
                    h
                    + project(mlp.down, swiglu(gate: project(mlp.gate, b), up: project(mlp.up, b)))
            }
            let normed = finalNorm(x)
            let head = head?.weight ?? tokenEmbedding.weight
            return weights?.logits(normed, head: head) ?? linear(normed, weight: head)
        }
    }
}

extension LanguageModel {
    /// Checks new tokens against the caches: one per block, the batch they were made for, and
    /// room in the context for the new positions.
    func checkCachedInput(
        _ tokens: [Int32], batch: Int, length: Int, caches: [KeyValueCache]
    ) throws(ModelError) {
        guard tokens.count == batch * length, length > 0 else {
            throw .badInput("\(tokens.count) token ids for \(batch) rows of \(length)")
        }
        guard let first = caches.first, caches.allSatisfy({ $0.batch == batch }) else {
            throw .badInput("caches are not the model's, made for a batch of \(batch)")
        }
        guard first.length + length <= min(contextLength, first.capacity) else {
            throw .badInput(
                "\(first.length) cached + \(length) new tokens exceed the model's context of \(min(contextLength, first.capacity))"
            )
        }
    }
}
