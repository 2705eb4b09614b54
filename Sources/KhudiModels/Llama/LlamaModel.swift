import KhudiNN
import KhudiTensor

/// The Llama family (Llama 2/3, Mistral, Qwen2, SmolLM): token embedding, pre-norm blocks with
/// RMSNorm, RoPE, grouped-query attention and SwiGLU, a final RMSNorm, and an output head that
/// is its own matrix or tied to the embedding.
///
/// Parameter names are Hugging Face's (`model.embed_tokens.weight`,
/// `model.layers.0.self_attn.q_proj.weight`, `lm_head.weight`).
public final class LlamaModel: Module {
    public let configuration: LlamaConfiguration
    public let tokenEmbedding: Embedding
    public let blocks: [LlamaBlock]
    public let finalNorm: RMSNorm
    /// The untied head (vocabulary, dimension); nil when tied to `tokenEmbedding`.
    public let head: Linear?
    public let rope: RotaryTable
    /// bfloat16 copies for decoding steps (`useBFloat16Decoding()`); nil uses Float32 only.
    public internal(set) var decodingWeights: DecodingWeights?

    public init(_ configuration: LlamaConfiguration, generator: inout SeededGenerator) {
        self.configuration = configuration
        tokenEmbedding = Embedding(
            count: configuration.vocabularySize, dimension: configuration.dimension,
            initialization: .normal(standardDeviation: 0.02), generator: &generator)
        var block = LlamaBlockConfiguration(
            dimension: configuration.dimension, heads: configuration.heads,
            kvHeads: configuration.kvHeads, hiddenDimension: configuration.hiddenDimension,
            headDim: configuration.headDim)
        block.rmsNormEps = configuration.rmsNormEps
        block.attentionBias = configuration.attentionBias
        blocks = (0..<configuration.layerCount).map { _ in
            LlamaBlock(block, generator: &generator)
        }
        finalNorm = RMSNorm(dimension: configuration.dimension, eps: configuration.rmsNormEps)
        head =
            configuration.tiedEmbeddings
            ? nil
            : Linear(
                inFeatures: configuration.dimension, outFeatures: configuration.vocabularySize,
                bias: false, initialization: .normal(standardDeviation: 0.02),
                generator: &generator)
        rope = RotaryTable(
            headDim: configuration.headDim, maxPositions: configuration.contextLength,
            inverseFrequencies: configuration.inverseFrequencies)
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        var list = parameters(of: tokenEmbedding, prefix: "model.embed_tokens")
        for (index, block) in blocks.enumerated() {
            list += parameters(of: block, prefix: "model.layers.\(index)")
        }
        list += parameters(of: finalNorm, prefix: "model.norm")
        if let head { list += parameters(of: head, prefix: "lm_head") }
        return list
    }

    /// The final hidden states (batch, length, width) for `tokens`, `batch` rows of `length`
    /// ids; with `documents`, packed documents each start at position 0 and see only themselves.
    public func hiddenStates(
        _ tokens: [Int32], batch: Int, length: Int, documents: DocumentLayout?
    ) throws(ModelError) -> Tensor {
        try checkInput(tokens, batch: batch, length: length)
        var h: Tensor
        do {
            h = try tokenEmbedding(tokens, shape: [batch, length])
        } catch {
            throw .badInput("\(error)")
        }
        for block in blocks { h = block(h, rope: rope, documents: documents) }
        return finalNorm(h)
    }

    /// Logits through `lm_head`, or through the token embedding when the two are tied.
    public func outputLogits(_ hidden: Tensor) -> Tensor {
        head.map { $0(hidden) } ?? linear(hidden, weight: tokenEmbedding.weight)
    }

    public var fusableOutputWeight: Tensor? {
        guard let head else { return tokenEmbedding.weight }
        return head.bias == nil && head.lora == nil ? head.weight : nil
    }
}
