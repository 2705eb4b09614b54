import Foundation
import KhudiNN
import KhudiTokenizer

/// A Hugging Face model directory opened whole: the model its `config.json` names (GPT-2, or
/// the Llama family), its tokenizer (`tokenizer.json`, when present) and the ids that end a
/// sequence (`generation_config.json`, else `config.json`, else the tokenizer's end-of-text).
public struct ModelDirectory {
    public let path: String
    public let model: any LanguageModel
    public let tokenizer: (any TextTokenizer)?
    public let endOfSequenceIDs: Set<Int32>
    /// The `config.json` object as read (fields a re-save should keep, such as special ids).
    public let configurationFields: [String: Any]

    /// The files besides config.json and the weights that travel with a model directory when
    /// it is copied, merged or checkpointed.
    public static let companionFileNames = [
        "tokenizer.json", "tokenizer_config.json", "generation_config.json",
    ]

    /// Opens `path`; a tokenizer whose ids the model cannot embed is an error.
    public init(_ path: String) throws(ModelError) {
        self.path = path
        let configPath = try ParameterTransfer.configPath(in: path)
        let config = Self.json(configPath)
        configurationFields = config
        switch config["model_type"] as? String {
        case "gpt2": model = try GPT2Model.load(directory: path)
        default: model = try LlamaModel.load(directory: path)  // names the unsupported type
        }
        let tokenizerPath = "\(path)/tokenizer.json"
        if let data = FileManager.default.contents(atPath: tokenizerPath) {
            do {
                tokenizer = try loadTokenizer(tokenizerJSON: data)
            } catch {
                throw .tokenizer(path: tokenizerPath, reason: "\(error)")
            }
        } else {
            tokenizer = nil
        }
        if let tokenizer, tokenizer.vocabularySize > model.vocabularySize {
            throw .vocabularyMismatch(
                path: path, tokenizer: tokenizer.vocabularySize, model: model.vocabularySize)
        }
        let generation = Self.json("\(path)/generation_config.json")
        let declared = Self.ids(generation["eos_token_id"]) ?? Self.ids(config["eos_token_id"])
        endOfSequenceIDs = declared ?? Set(tokenizer?.endOfTextID.map { [Int32($0)] } ?? [])
    }

    /// A one-line description: architecture, sizes, parameter count.
    public var summary: String {
        let parameters = Double(model.parameterCount)
        let count =
            parameters >= 1e9
            ? String(format: "%.2fB", parameters / 1e9) : String(format: "%.1fM", parameters / 1e6)
        let architecture: String
        switch model {
        case let gpt2 as GPT2Model:
            let c = gpt2.configuration
            architecture = "gpt2, \(c.layerCount) layers, \(c.dimension) wide, \(c.heads) heads"
        case let llama as LlamaModel:
            let c = llama.configuration
            architecture =
                "\(c.modelType), \(c.layerCount) layers, \(c.dimension) wide, \(c.heads) heads (\(c.kvHeads) key/value)"
        default:
            architecture = "model"
        }
        return
            "\(path): \(architecture), vocabulary \(model.vocabularySize), context \(model.contextLength), \(count) parameters"
    }

    static func json(_ path: String) -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    /// An id or a list of ids, as config files give `eos_token_id`.
    static func ids(_ value: Any?) -> Set<Int32>? {
        if let single = value as? Int { return [Int32(single)] }
        if let list = value as? [Int] { return Set(list.map { Int32($0) }) }
        return nil
    }
}
