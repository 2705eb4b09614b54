import Foundation
import KhudiNN

extension GPT2Model {
    /// How GPT-2's parameters sit in a Hugging Face checkpoint whose keys carry `prefix`.
    static func transfer(prefix: String) -> ParameterTransfer {
        ParameterTransfer(
            key: { prefix + $0 }, transposed: isConv1DWeight,
            ignored: {
                $0.hasSuffix(".attn.bias") || $0.hasSuffix(".attn.masked_bias")
                    || $0 == "lm_head.weight"
            })
    }

    /// Loads a Hugging Face GPT-2 directory: `config.json` and `model.safetensors`.
    ///
    /// Keys are accepted with or without the `transformer.` prefix (the official checkpoint
    /// has none, `GPT2LMHeadModel.save_pretrained` writes it); the causal-mask buffers
    /// (`attn.bias`, `attn.masked_bias`) and a stored `lm_head.weight` (the head is tied) are
    /// skipped; any other tensor, a missing one, or a shape the config does not imply is an
    /// error naming it.
    public static func load(directory: String) throws(ModelError) -> GPT2Model {
        let configuration = try GPT2Configuration(
            contentsOf: try ParameterTransfer.configPath(in: directory))
        let file = try ParameterTransfer.weights(in: directory)
        // Placeholders: every parameter is about to be filled from the checkpoint.
        let model = Initialization.$placeholders.withValue(true) {
            var unused = SeededGenerator(seed: 0)
            return GPT2Model(configuration, generator: &unused)
        }
        let prefixed = file.tensors.contains { $0.name.hasPrefix("transformer.") }
        try transfer(prefix: prefixed ? "transformer." : "").load(model.namedParameters, from: file)
        return model
    }

    /// Saves in Hugging Face's layout.
    ///
    /// Writes `config.json` (the fields in `configurationFields`, the model's own sizes
    /// overriding them) and `model.safetensors` with `transformer.` keys (sharded with an index
    /// past `maximumShardBytes`), the Conv1D weights transposed back to (in, out), the tied head
    /// not stored, and `metadata` in `__metadata__` beside `format: pt`. Each file is written
    /// atomically.
    public func save(
        directory: String, configurationFields: [String: Any] = [:],
        metadata: [String: String] = [:], maximumShardBytes: Int? = nil
    ) throws(ModelError) {
        let config = configurationFields.merging(configuration.huggingFaceFields) { _, ours in
            ours
        }
        try ParameterTransfer.save(
            directory: directory, config: config,
            entries: Self.transfer(prefix: "transformer.").entries(baseParameters),
            metadata: metadata, maximumShardBytes: maximumShardBytes)
    }
}
