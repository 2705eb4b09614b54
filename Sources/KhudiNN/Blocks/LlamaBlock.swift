import KhudiTensor

/// Sizes of a Llama-family block (Llama, Mistral, Qwen2, SmolLM).
public struct LlamaBlockConfiguration: Sendable {
    public var dimension: Int
    public var heads: Int
    /// Key/value heads; fewer than `heads` is grouped-query attention.
    public var kvHeads: Int
    public var headDim: Int
    public var hiddenDimension: Int
    public var rmsNormEps: Float = 1e-5
    /// Bias on the q/k/v projections (Qwen2); the output projection never has one.
    public var attentionBias = false

    public init(
        dimension: Int, heads: Int, kvHeads: Int, hiddenDimension: Int, headDim: Int? = nil
    ) {
        self.dimension = dimension
        self.heads = heads
        self.kvHeads = kvHeads
        self.headDim = headDim ?? dimension / heads
        self.hiddenDimension = hiddenDimension
    }
}

/// Llama attention: separate q/k/v projections, RoPE on q and k, grouped-query causal
/// attention, output projection.
public final class LlamaAttention: Module {
    public let query: Linear
    public let key: Linear
    public let value: Linear
    public let output: Linear
    let configuration: LlamaBlockConfiguration

    init(_ c: LlamaBlockConfiguration, generator: inout SeededGenerator) {
        configuration = c
        func projection(_ inputs: Int, _ outputs: Int, bias: Bool) -> Linear {
            Linear(
                inFeatures: inputs, outFeatures: outputs, bias: bias,
                initialization: .normal(standardDeviation: 0.02), generator: &generator)
        }
        query = projection(c.dimension, c.heads * c.headDim, bias: c.attentionBias)
        key = projection(c.dimension, c.kvHeads * c.headDim, bias: c.attentionBias)
        value = projection(c.dimension, c.kvHeads * c.headDim, bias: c.attentionBias)
        output = projection(c.heads * c.headDim, c.dimension, bias: false)
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        parameters(of: query, prefix: "q_proj") + parameters(of: key, prefix: "k_proj")
            + parameters(of: value, prefix: "v_proj") + parameters(of: output, prefix: "o_proj")
    }

    /// x (batch, tokens, dimension) → same shape; tokens sit at positions offset…offset+tokens.
    ///
    /// With `documents`, packed documents each start at position 0 and attend only within
    /// themselves.
    public func callAsFunction(
        _ x: Tensor, rope: RotaryTable, positionOffset: Int = 0, documents: DocumentLayout? = nil
    ) -> Tensor {
        let c = configuration
        func rotated(_ t: Tensor, heads: Int) -> Tensor {
            documents.map { rotary(t, table: rope, heads: heads, documents: $0) }
                ?? rotary(t, table: rope, heads: heads, positionOffset: positionOffset)
        }
        let attended = causalAttention(
            query: rotated(query(x), heads: c.heads), key: rotated(key(x), heads: c.kvHeads),
            value: value(x), queryHeads: c.heads, kvHeads: c.kvHeads, documents: documents)
        return output(attended)
    }
}

/// Llama MLP: down(silu(gate(x)) ∘ up(x)).
public final class LlamaMLP: Module {
    public let gate: Linear
    public let up: Linear
    public let down: Linear

    init(_ c: LlamaBlockConfiguration, generator: inout SeededGenerator) {
        gate = Linear(
            inFeatures: c.dimension, outFeatures: c.hiddenDimension, bias: false,
            initialization: .normal(standardDeviation: 0.02), generator: &generator)
        up = Linear(
            inFeatures: c.dimension, outFeatures: c.hiddenDimension, bias: false,
            initialization: .normal(standardDeviation: 0.02), generator: &generator)
        down = Linear(
            inFeatures: c.hiddenDimension, outFeatures: c.dimension, bias: false,
            initialization: .normal(standardDeviation: 0.02), generator: &generator)
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        parameters(of: gate, prefix: "gate_proj") + parameters(of: up, prefix: "up_proj")
            + parameters(of: down, prefix: "down_proj")
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { down(swiglu(gate: gate(x), up: up(x))) }
}

/// A pre-norm Llama block: x + attn(rms(x)), then + mlp(rms(·)).
public final class LlamaBlock: Module {
    public let inputNorm: RMSNorm
    public let attention: LlamaAttention
    public let postAttentionNorm: RMSNorm
    public let mlp: LlamaMLP

    public init(_ c: LlamaBlockConfiguration, generator: inout SeededGenerator) {
        inputNorm = RMSNorm(dimension: c.dimension, eps: c.rmsNormEps)
        attention = LlamaAttention(c, generator: &generator)
        postAttentionNorm = RMSNorm(dimension: c.dimension, eps: c.rmsNormEps)
        mlp = LlamaMLP(c, generator: &generator)
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        parameters(of: inputNorm, prefix: "input_layernorm")
            + parameters(of: attention, prefix: "self_attn")
            + parameters(of: postAttentionNorm, prefix: "post_attention_layernorm")
            + parameters(of: mlp, prefix: "mlp")
    }

    public func callAsFunction(
        _ x: Tensor, rope: RotaryTable, positionOffset: Int = 0, documents: DocumentLayout? = nil
    ) -> Tensor {
        let h =
            x
            + attention(
                inputNorm(x), rope: rope, positionOffset: positionOffset, documents: documents)
        return h + mlp(postAttentionNorm(h))
    }
}
