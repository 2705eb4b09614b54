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
        // The config is read through the same parser as a loaded model's, from a scratch copy.
        let scratch = NSTemporaryDirectory() + "khudi-init-\(getpid())-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        guard let rewritten = try? JSONSerialization.data(withJSONObject: fields),
            (try? rewritten.write(to: URL(fileURLWithPath: scratch))) != nil
        else {
            throw .invalidField(path: configPath, field: "(file)", reason: "cannot be rewritten")
        }
        var generator = SeededGenerator(seed: seed)
        let metadata = ["khudi_initialized_seed": "\(seed)"]
        do {
            switch fields["model_type"] as? String {
            case "gpt2":
                let model = GPT2Model(
                    try GPT2Configuration(contentsOf: scratch), generator: &generator)
                try model.save(directory: output, configurationFields: fields, metadata: metadata)
            default:
                let model = LlamaModel(
                    try LlamaConfiguration(contentsOf: scratch), generator: &generator)
                try model.save(directory: output, configurationFields: fields, metadata: metadata)
            }
        } catch {
            // Errors name the scratch copy; name the user's file instead.
            throw Self.renamed(error, from: scratch, to: configPath)
        }
        if let tokenizerData,
            let failure = writeAtomically(Array(tokenizerData), to: "\(output)/tokenizer.json")
        {
            throw .checkpoint(.cannotWrite(path: "\(output)/tokenizer.json", reason: failure))
        }
        return try ModelDirectory(output)
    }

    static func renamed(_ error: ModelError, from old: String, to new: String) -> ModelError {
        switch error {
        case .missingField(old, let field): .missingField(path: new, field: field)
        case .unsupported(old, let field, let value, let supported):
            .unsupported(path: new, field: field, value: value, supported: supported)
        case .invalidField(old, let field, let reason):
            .invalidField(path: new, field: field, reason: reason)
        default: error
        }
    }
}
