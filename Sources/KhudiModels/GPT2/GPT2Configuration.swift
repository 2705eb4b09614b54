import Foundation

/// A GPT-2 model's sizes, read from Hugging Face's `config.json` (`model_type: gpt2`).
///
/// The newer aliases (`hidden_size`, `num_hidden_layers`, `num_attention_heads`,
/// `max_position_embeddings`) are accepted; `n_inner` null means 4 × `n_embd`. Only the tanh GELU
/// GPT-2 uses (`gelu_new`, `gelu_pytorch_tanh`) is supported.
public struct GPT2Configuration: Equatable, Sendable {
    public var vocabularySize: Int
    public var contextLength: Int
    public var dimension: Int
    public var layerCount: Int
    public var heads: Int
    public var innerDimension: Int
    public var layerNormEps: Float

    public init(
        vocabularySize: Int, contextLength: Int, dimension: Int, layerCount: Int, heads: Int,
        innerDimension: Int? = nil, layerNormEps: Float = 1e-5
    ) {
        self.vocabularySize = vocabularySize
        self.contextLength = contextLength
        self.dimension = dimension
        self.layerCount = layerCount
        self.heads = heads
        self.innerDimension = innerDimension ?? 4 * dimension
        self.layerNormEps = layerNormEps
    }

    public static let supportedActivations = ["gelu_new", "gelu_pytorch_tanh"]

    /// The `config.json` fields transformers needs to rebuild this model (plus `n_ctx`, which
    /// llama.cpp's GPT-2 converter reads).
    public var huggingFaceFields: [String: Any] {
        [
            "model_type": "gpt2", "architectures": ["GPT2LMHeadModel"],
            "vocab_size": vocabularySize, "n_positions": contextLength, "n_ctx": contextLength,
            "n_embd": dimension, "n_layer": layerCount, "n_head": heads,
            "n_inner": innerDimension == 4 * dimension ? NSNull() : innerDimension as Any,
            "activation_function": "gelu_new", "layer_norm_epsilon": Double(layerNormEps),
            "tie_word_embeddings": true, "scale_attn_weights": true,
            "scale_attn_by_inverse_layer_idx": false,
        ]
    }

    /// Reads `config.json` at `path`.
    public init(contentsOf path: String) throws(ModelError) {
        try self.init(fields: ConfigFields(contentsOf: path))
    }

    /// A configuration from a parsed `config.json` object (`path` names it in errors).
    public init(huggingFaceConfig object: [String: Any], path: String) throws(ModelError) {
        try self.init(fields: ConfigFields(object, path: path))
    }

    init(fields: ConfigFields) throws(ModelError) {
        let path = fields.path
        let modelType = fields.value("model_type") as? String ?? "(absent)"
        guard modelType == "gpt2" else {
            throw .unsupported(path: path, field: "model_type", value: modelType, supported: "gpt2")
        }
        let activation = fields.value("activation_function") as? String ?? "gelu_new"
        guard Self.supportedActivations.contains(activation) else {
            throw .unsupported(
                path: path, field: "activation_function", value: activation,
                supported: Self.supportedActivations.joined(separator: ", "))
        }
        // Attention scaled by 1/√d exactly as GPT-2 does; the per-layer variant is not built.
        for (flag, required) in [
            ("scale_attn_weights", true), ("scale_attn_by_inverse_layer_idx", false),
        ] {
            if let value = fields.value(flag) as? Bool, value != required {
                throw .unsupported(
                    path: path, field: flag, value: "\(value)", supported: "\(required)")
            }
        }
        let inner: Int? = fields.value("n_inner") == nil ? nil : try fields.integer("n_inner")
        self.init(
            vocabularySize: try fields.integer("vocab_size"),
            contextLength: try fields.integer("n_positions", "max_position_embeddings"),
            dimension: try fields.integer("n_embd", "hidden_size"),
            layerCount: try fields.integer("n_layer", "num_hidden_layers"),
            heads: try fields.integer("n_head", "num_attention_heads"),
            innerDimension: inner,
            layerNormEps: Float(fields.number("layer_norm_epsilon") ?? 1e-5))
        guard dimension % heads == 0 else {
            throw .invalidField(
                path: path, field: "n_head",
                reason: "n_embd \(dimension) is not a multiple of n_head \(heads)")
        }
    }
}
