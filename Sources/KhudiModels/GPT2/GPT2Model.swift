import KhudiNN
import KhudiTensor

/// GPT-2: token and learned position embeddings, pre-norm blocks, a final LayerNorm and an
/// output head tied to the token embedding.
///
/// Parameter names are Hugging Face's unprefixed keys (`wte.weight`, `h.0.attn.c_attn.weight`,
/// `ln_f.bias`); weights are held as Linear (out, in) matrices, so the four Conv1D weights of a
/// Hugging Face checkpoint are transposed on load and save.
public final class GPT2Model: Module {
    public let configuration: GPT2Configuration
    public let tokenEmbedding: Embedding
    public let positionEmbedding: Embedding
    public let blocks: [GPT2Block]
    public let finalNorm: LayerNorm
    /// bfloat16 copies for decoding steps (`useBFloat16Decoding()`); nil uses Float32 only.
    public internal(set) var decodingWeights: DecodingWeights?

    /// A model initialised as GPT-2 is (normal 0.02, residual projections scaled by layers).
    public init(_ configuration: GPT2Configuration, generator: inout SeededGenerator) {
        self.configuration = configuration
        tokenEmbedding = Embedding(
            count: configuration.vocabularySize, dimension: configuration.dimension,
            initialization: .normal(standardDeviation: 0.02), generator: &generator)
        positionEmbedding = Embedding(
            count: configuration.contextLength, dimension: configuration.dimension,
            initialization: .normal(standardDeviation: 0.01), generator: &generator)
        var block = GPT2BlockConfiguration(
            dimension: configuration.dimension, heads: configuration.heads,
            hiddenDimension: configuration.innerDimension, layerCount: configuration.layerCount)
        block.layerNormEps = configuration.layerNormEps
        blocks = (0..<configuration.layerCount).map { _ in
            GPT2Block(block, generator: &generator)
        }
        finalNorm = LayerNorm(dimension: configuration.dimension, eps: configuration.layerNormEps)
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        var list = parameters(of: tokenEmbedding, prefix: "wte")
        list += parameters(of: positionEmbedding, prefix: "wpe")
        for (index, block) in blocks.enumerated() {
            list += parameters(of: block, prefix: "h.\(index)")
        }
        return list + parameters(of: finalNorm, prefix: "ln_f")
    }

    /// The names of the weights a Hugging Face checkpoint stores as Conv1D (in, out).
    public static func isConv1DWeight(_ name: String) -> Bool {
        name.hasSuffix(".attn.c_attn.weight") || name.hasSuffix(".attn.c_proj.weight")
            || name.hasSuffix(".mlp.c_fc.weight") || name.hasSuffix(".mlp.c_proj.weight")
    }

    /// The final hidden states (batch, length, width) for `tokens`, `batch` rows of `length`
    /// ids; with `documents`, packed documents each start at position 0 and see only themselves.
    public func hiddenStates(
        _ tokens: [Int32], batch: Int, length: Int, documents: DocumentLayout?
    ) throws(ModelError) -> Tensor {
        try checkInput(tokens, batch: batch, length: length)
        let x: Tensor
        do {
            let tokenVectors = try tokenEmbedding(tokens, shape: [batch, length])
            let positions =
                try documents.map { layout throws in
                    try positionEmbedding(layout.positionIDs, shape: [batch, length])
                }
                ?? positionEmbedding((0..<Int32(length)).map { $0 }, shape: [length])
            x = tokenVectors + positions
        } catch {
            throw .badInput("\(error)")
        }
        var h = x
        for block in blocks { h = block(h, documents: documents) }
        return finalNorm(h)
    }

    /// Logits through the output layer, which is the token embedding (tied, as in GPT-2).
    public func outputLogits(_ hidden: Tensor) -> Tensor {
        linear(hidden, weight: tokenEmbedding.weight)
    }

    public var fusableOutputWeight: Tensor? { tokenEmbedding.weight }
}
