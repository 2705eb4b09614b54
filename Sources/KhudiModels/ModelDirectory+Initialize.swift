import Foundation
import KhudiNN
import KhudiTokenizer

extension ModelDirectory {
    /// Creates a model directory with freshly initialised weights from a Hugging Face
    /// `config.json` (GPT-2 or the Llama family), the starting point of pretraining.
    ///
    /// With `tokenizer` (a tokenizer.json), `vocab_size` and the bos/eos/pad ids become the
    /// tokenizer's and the file is copied beside the weights. The config's other fields are kept. The same seed gives the
    /// same weights.
    @discardableResult
    public static func initialize(
        config configPath: String, tokenizer tokenizerPath: String?, seed: UInt64,
        output: String
    ) throws(ModelError) -> ModelDirectory {
        guard let data = FileManager.default.contents(atPath: configPath),
            var fields = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        else {
            throw .invalidField(
                path: configPath, field: "(file)", reason: "not a readable JSON object")
        }
        var tokenizerData: Data?
        if let tokenizerPath {
            guard let bytes = FileManager.default.contents(atPath: tokenizerPath) else {
                throw .tokenizer(path: tokenizerPath, reason: "cannot be read")
            }
            let tokenizer: any TextTokenizer
            do {
                tokenizer = try loadTokenizer(tokenizerJSON: bytes)
            } catch {
                throw .tokenizer(path: tokenizerPath, reason: "\(error)")
            }
            fields["vocab_size"] = tokenizer.vocabularySize
            // The config's special ids must be the tokenizer's.
            fields["eos_token_id"] = tokenizer.endOfTextID ?? NSNull()
            fields["bos_token_id"] =
                tokenizer.template.prefix.first ?? tokenizer.id(ofSpecial: "<|bos|>") ?? NSNull()
            fields["pad_token_id"] = tokenizer.id(ofSpecial: "<|pad|>") ?? NSNull()
            tokenizerData = bytes
        }
        var generator = SeededGenerator(seed: seed)
        let metadata = ["khudi_initialized_seed": "\(seed)"]
        switch fields["model_type"] as? String {
        case "gpt2":
            let configuration = try GPT2Configuration(huggingFaceConfig: fields, path: configPath)
            try GPT2Model(configuration, generator: &generator).save(
                directory: output, configurationFields: fields, metadata: metadata)
        default:
            let configuration = try LlamaConfiguration(huggingFaceConfig: fields, path: configPath)
            try LlamaModel(configuration, generator: &generator).save(
                directory: output, configurationFields: fields, metadata: metadata)
        }
        if let tokenizerData,
            let failure = writeAtomically(Array(tokenizerData), to: "\(output)/tokenizer.json")
        {
            throw .checkpoint(.cannotWrite(path: "\(output)/tokenizer.json", reason: failure))
        }
        return try ModelDirectory(output)
    }
}
