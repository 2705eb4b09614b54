/// What is wrong with a model directory or its files, naming the file and the field or tensor.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    /// The directory lacks what every model directory has.
    case notAModel(path: String, reason: String)
    case missingField(path: String, field: String)
    /// A config value Khudi does not support, with what it does support.
    case unsupported(path: String, field: String, value: String, supported: String)
    case invalidField(path: String, field: String, reason: String)
    case missingTensor(path: String, name: String)
    case unexpectedTensor(path: String, name: String)
    case shapeMismatch(path: String, name: String, expected: [Int], found: [Int])
    case checkpoint(SafeTensorsError)
    /// The directory's tokenizer has ids the model's embedding does not.
    case vocabularyMismatch(path: String, tokenizer: Int, model: Int)
    case tokenizer(path: String, reason: String)
    /// Input outside what the model accepts (a token id beyond the vocabulary, a sequence
    /// longer than the context).
    case badInput(String)

    public var description: String {
        switch self {
        case .notAModel(let path, let reason): "\(path) is not a model directory: \(reason)"
        case .missingField(let path, let field): "\(path): missing field '\(field)'"
        case .unsupported(let path, let field, let value, let supported):
            "\(path): \(field) '\(value)' is not supported (supported: \(supported))"
        case .invalidField(let path, let field, let reason): "\(path): \(field): \(reason)"
        case .missingTensor(let path, let name): "\(path): no tensor '\(name)'"
        case .unexpectedTensor(let path, let name):
            "\(path): unexpected tensor '\(name)' (not part of this architecture)"
        case .shapeMismatch(let path, let name, let expected, let found):
            "\(path): tensor '\(name)' has shape \(found), the config implies \(expected)"
        case .checkpoint(let error): error.description
        case .vocabularyMismatch(let path, let tokenizer, let model):
            "\(path): the tokenizer has \(tokenizer) tokens but the model's embedding only \(model)"
        case .tokenizer(let path, let reason): "\(path): \(reason)"
        case .badInput(let reason): reason
        }
    }
}
