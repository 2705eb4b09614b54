import Foundation

/// A Llama-family model's sizes and position encoding, read from Hugging Face's `config.json`:
/// `model_type` llama, mistral or qwen2.
///
/// RoPE comes from the older `rope_theta` + `rope_scaling` keys or the newer `rope_parameters`
/// (transformers 5); the scaling types are `default` and `llama3`. Qwen2 always has q/k/v biases;
/// Llama has them when `attention_bias` is true.
public struct LlamaConfiguration: Equatable, Sendable {
    /// Llama 3's frequency-dependent RoPE scaling.
    public struct Llama3Scaling: Equatable, Sendable {
        public var factor: Double
        public var lowFrequencyFactor: Double
        public var highFrequencyFactor: Double
        public var originalContextLength: Int
    }

    public var modelType: String
    public var vocabularySize: Int
    public var contextLength: Int
    public var dimension: Int
    public var layerCount: Int
    public var heads: Int
    public var kvHeads: Int
    public var headDim: Int
    public var hiddenDimension: Int
    public var rmsNormEps: Float
    public var ropeTheta: Double
    public var llama3Scaling: Llama3Scaling?
    public var attentionBias: Bool
    public var tiedEmbeddings: Bool

    public static let supportedModelTypes = ["llama", "mistral", "qwen2"]

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

        modelType = fields.value("model_type") as? String ?? "(absent)"
        guard Self.supportedModelTypes.contains(modelType) else {
            throw .unsupported(
                path: path, field: "model_type", value: modelType,
                supported: Self.supportedModelTypes.joined(separator: ", "))
        }
        let activation = fields.value("hidden_act") as? String ?? "silu"
        guard activation == "silu" else {
            throw .unsupported(
                path: path, field: "hidden_act", value: activation, supported: "silu")
        }
        if (fields.value("mlp_bias") as? Bool) == true {
            throw .unsupported(path: path, field: "mlp_bias", value: "true", supported: "false")
        }
        vocabularySize = try fields.integer("vocab_size")
        dimension = try fields.integer("hidden_size")
        layerCount = try fields.integer("num_hidden_layers")
        heads = try fields.integer("num_attention_heads")
        kvHeads = try fields.integer("num_key_value_heads", default: heads)
        headDim = try fields.integer("head_dim", default: dimension / heads)
        hiddenDimension = try fields.integer("intermediate_size")
        contextLength = try fields.integer("max_position_embeddings")
        rmsNormEps = Float(fields.number("rms_norm_eps") ?? 1e-6)
        attentionBias = modelType == "qwen2" || (fields.value("attention_bias") as? Bool) == true
        tiedEmbeddings = fields.value("tie_word_embeddings") as? Bool ?? false
        guard heads % kvHeads == 0 else {
            throw .invalidField(
                path: path, field: "num_key_value_heads",
                reason: "\(heads) attention heads are not a multiple of \(kvHeads) key/value heads")
        }
        guard headDim % 2 == 0 else {
            throw .invalidField(
                path: path, field: "head_dim", reason: "RoPE needs an even head_dim")
        }
        // Sliding-window attention is not built: accept it only where it never applies.
        if let window = fields.value("sliding_window") as? Int, window < contextLength,
            (fields.value("use_sliding_window") as? Bool) ?? (modelType == "mistral")
        {
            throw .unsupported(
                path: path, field: "sliding_window", value: "\(window)",
                supported: "null, or at least max_position_embeddings")
        }

        // RoPE: transformers 5 writes rope_parameters; older files rope_theta and rope_scaling.
        let parameters = fields.value("rope_parameters") as? [String: Any]
        let scaling = parameters ?? fields.value("rope_scaling") as? [String: Any]
        let field = parameters != nil ? "rope_parameters" : "rope_scaling"
        ropeTheta =
            fields.number("rope_theta", in: parameters) ?? fields.number("rope_theta") ?? 10_000
        let type = (scaling?["rope_type"] ?? scaling?["type"]) as? String ?? "default"
        switch type {
        case "default":
            llama3Scaling = nil
        case "llama3":
            guard let scaling, let factor = fields.number("factor", in: scaling),
                let low = fields.number("low_freq_factor", in: scaling),
                let high = fields.number("high_freq_factor", in: scaling),
                let original = fields.number("original_max_position_embeddings", in: scaling)
            else {
                throw .invalidField(
                    path: path, field: field,
                    reason:
                        "llama3 scaling needs factor, low_freq_factor, high_freq_factor and original_max_position_embeddings"
                )
            }
            llama3Scaling = Llama3Scaling(
                factor: factor, lowFrequencyFactor: low, highFrequencyFactor: high,
                originalContextLength: Int(original))
        default:
            throw .unsupported(
                path: path, field: "\(field).rope_type", value: type, supported: "default, llama3")
        }
    }

    /// RoPE's inverse frequencies (headDim / 2 of them), Llama 3 scaling applied, computed in
    /// Float32 as transformers does so the angles agree to the last bit it can.
    public var inverseFrequencies: [Double] {
        let base = (0..<(headDim / 2)).map { index -> Float in
            1 / Float(pow(ropeTheta, Double(Float(2 * index) / Float(headDim))))
        }
        guard let scaling = llama3Scaling else { return base.map(Double.init) }
        let original = Double(scaling.originalContextLength)
        let lowWavelength = original / scaling.lowFrequencyFactor
        let highWavelength = original / scaling.highFrequencyFactor
        return base.map { frequency in
            let f = Double(frequency)
            let wavelength = 2 * Double.pi / f
            if wavelength < highWavelength { return f }
            if wavelength > lowWavelength { return f / scaling.factor }
            let smooth =
                (original / wavelength - scaling.lowFrequencyFactor)
                / (scaling.highFrequencyFactor - scaling.lowFrequencyFactor)
            return (1 - smooth) * f / scaling.factor + smooth * f
        }
    }
}
