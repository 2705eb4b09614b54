import Foundation
import KhudiNN

extension LlamaModel {
    /// Loads a Hugging Face Llama, Mistral or Qwen2 directory: `config.json` and
    /// `model.safetensors`.
    ///
    /// RoPE's `rotary_emb.inv_freq` buffers, and a stored `lm_head.weight` when the head is
    /// tied, are skipped; any other tensor, a missing one, or a shape the config does not
    /// imply is an error naming it.
    public static func load(directory: String) throws(ModelError) -> LlamaModel {
        let configuration = try LlamaConfiguration(
            contentsOf: try ParameterTransfer.configPath(in: directory))
        let file = try ParameterTransfer.weights(in: directory)
        // Placeholders: every parameter is about to be filled from the checkpoint.
        let model = Initialization.$placeholders.withValue(true) {
            var unused = SeededGenerator(seed: 0)
            return LlamaModel(configuration, generator: &unused)
        }
        let tied = configuration.tiedEmbeddings
        try ParameterTransfer(
            key: { $0 },
            ignored: { $0.hasSuffix(".rotary_emb.inv_freq") || (tied && $0 == "lm_head.weight") }
        ).load(model.namedParameters, from: file)
        return model
    }

    /// Saves in Hugging Face's layout: `config.json` (`configurationFields`, with the model's
    /// own sizes and RoPE overriding them) and `model.safetensors` (sharded with an index past
    /// `maximumShardBytes`; `metadata` in `__metadata__` beside `format: pt`), each file
    /// written atomically.
    public func save(
        directory: String, configurationFields: [String: Any] = [:],
        metadata: [String: String] = [:], maximumShardBytes: Int? = nil
    ) throws(ModelError) {
        try ParameterTransfer.save(
            directory: directory,
            config: configurationFields.merging(configuration.huggingFaceFields) { _, ours in ours
            },
            entries: ParameterTransfer(key: { $0 }).entries(baseParameters), metadata: metadata,
            maximumShardBytes: maximumShardBytes)
    }
}

extension LlamaConfiguration {
    /// The `config.json` fields transformers needs to rebuild this model (RoPE in the older
    /// `rope_theta` / `rope_scaling` keys, which transformers 4 and 5 both read).
    public var huggingFaceFields: [String: Any] {
        let architecture =
            [
                "llama": "LlamaForCausalLM", "mistral": "MistralForCausalLM",
                "qwen2": "Qwen2ForCausalLM",
            ][
                modelType] ?? "LlamaForCausalLM"
        var fields: [String: Any] = [
            "model_type": modelType, "architectures": [architecture],
            "vocab_size": vocabularySize, "hidden_size": dimension,
            "intermediate_size": hiddenDimension, "num_hidden_layers": layerCount,
            "num_attention_heads": heads, "num_key_value_heads": kvHeads, "head_dim": headDim,
            "max_position_embeddings": contextLength, "rms_norm_eps": Double(rmsNormEps),
            "hidden_act": "silu", "tie_word_embeddings": tiedEmbeddings, "rope_theta": ropeTheta,
        ]
        if modelType == "llama" { fields["attention_bias"] = attentionBias }
        if let scaling = llama3Scaling {
            fields["rope_scaling"] =
                [
                    "rope_type": "llama3", "factor": scaling.factor,
                    "low_freq_factor": scaling.lowFrequencyFactor,
                    "high_freq_factor": scaling.highFrequencyFactor,
                    "original_max_position_embeddings": scaling.originalContextLength,
                ] as [String: Any]
        } else {
            fields["rope_scaling"] = NSNull()
        }
        return fields
    }
}
