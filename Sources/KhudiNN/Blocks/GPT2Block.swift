import Foundation
import KhudiTensor

/// Sizes of a GPT-2 transformer block.
public struct GPT2BlockConfiguration: Sendable {
    public var dimension: Int
    public var heads: Int
    /// The MLP's inner width (4 × dimension in GPT-2).
    public var hiddenDimension: Int
    public var layerNormEps: Float = 1e-5
    /// Residual dropout probability (attention-probability dropout is not applied: the fused
    /// attention never stores the probabilities).
    public var dropout: Float = 0
    /// Blocks in the model; GPT-2 scales the residual projections' init by 1/√(2·layers).
    public var layerCount: Int = 1

    public init(dimension: Int, heads: Int, hiddenDimension: Int? = nil, layerCount: Int = 1) {
        self.dimension = dimension
        self.heads = heads
        self.hiddenDimension = hiddenDimension ?? 4 * dimension
        self.layerCount = layerCount
    }
}

/// GPT-2 attention: one fused QKV projection (`c_attn`), causal multi-head attention, output
/// projection (`c_proj`).
public final class GPT2Attention: Module {
    public let qkv: Linear
    public let projection: Linear
    let heads: Int

    init(_ c: GPT2BlockConfiguration, generator: inout SeededGenerator) {
        heads = c.heads
        qkv = Linear(
            inFeatures: c.dimension, outFeatures: 3 * c.dimension, bias: true,
            initialization: .normal(standardDeviation: 0.02), generator: &generator)
        projection = Linear(
            inFeatures: c.dimension, outFeatures: c.dimension, bias: true,
            initialization: .normal(standardDeviation: 0.02 / sqrtf(2 * Float(c.layerCount))),
            generator: &generator)
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        parameters(of: qkv, prefix: "c_attn") + parameters(of: projection, prefix: "c_proj")
    }

    /// x (batch, tokens, dimension) → same shape; with `documents`, each token attends only
    /// within its packed document.
    public func callAsFunction(_ x: Tensor, documents: DocumentLayout? = nil) -> Tensor {
        projection(causalAttention(fusedQKV: qkv(x), heads: heads, documents: documents))
    }
}

/// GPT-2 MLP: `c_fc`, GELU (tanh), `c_proj`.
public final class GPT2MLP: Module {
    public let up: Linear
    public let down: Linear

    init(_ c: GPT2BlockConfiguration, generator: inout SeededGenerator) {
        up = Linear(
            inFeatures: c.dimension, outFeatures: c.hiddenDimension, bias: true,
            initialization: .normal(standardDeviation: 0.02), generator: &generator)
        down = Linear(
            inFeatures: c.hiddenDimension, outFeatures: c.dimension, bias: true,
            initialization: .normal(standardDeviation: 0.02 / sqrtf(2 * Float(c.layerCount))),
            generator: &generator)
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        parameters(of: up, prefix: "c_fc") + parameters(of: down, prefix: "c_proj")
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { down(gelu(up(x))) }
}

/// A pre-norm GPT-2 block: x + attn(ln_1(x)), then + mlp(ln_2(·)).
public final class GPT2Block: Module {
    public let configuration: GPT2BlockConfiguration
    public let norm1: LayerNorm
    public let attention: GPT2Attention
    public let norm2: LayerNorm
    public let mlp: GPT2MLP

    public init(_ configuration: GPT2BlockConfiguration, generator: inout SeededGenerator) {
        self.configuration = configuration
        norm1 = LayerNorm(dimension: configuration.dimension, eps: configuration.layerNormEps)
        attention = GPT2Attention(configuration, generator: &generator)
        norm2 = LayerNorm(dimension: configuration.dimension, eps: configuration.layerNormEps)
        mlp = GPT2MLP(configuration, generator: &generator)
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        parameters(of: norm1, prefix: "ln_1") + parameters(of: attention, prefix: "attn")
            + parameters(of: norm2, prefix: "ln_2") + parameters(of: mlp, prefix: "mlp")
    }

    /// x (batch, tokens, dimension) → same shape.
    ///
    /// `dropoutSeed` switches residual dropout on (training); nil runs without it (evaluation).
    public func callAsFunction(
        _ x: Tensor, dropoutSeed: UInt64? = nil, documents: DocumentLayout? = nil
    ) -> Tensor {
        let p = dropoutSeed == nil ? 0 : configuration.dropout
        let seed = dropoutSeed ?? 0
        let h = x + dropout(attention(norm1(x), documents: documents), probability: p, seed: seed)
        return h + dropout(mlp(norm2(h)), probability: p, seed: seed &+ 1)
    }
}
