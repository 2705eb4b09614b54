/// What is wrong with a safetensors file, naming the file and, where there is one, the tensor.
public enum SafeTensorsError: Error, Equatable, CustomStringConvertible {
    /// Shorter than the 8-byte header length.
    case tooShort(path: String, size: Int)
    /// The header length is above the 100 MB the reference reader allows.
    case headerTooLarge(path: String, length: UInt64)
    /// The header length points past the end of the file.
    case headerBeyondFile(path: String, length: UInt64, fileSize: Int)
    /// The header is not the JSON object the format prescribes.
    case malformedHeader(path: String, reason: String)
    case duplicateTensor(path: String, name: String)
    case unknownDType(path: String, tensor: String, dtype: String)
    /// Offsets out of order, out of range, or not matching dtype × shape.
    case badOffsets(path: String, tensor: String, reason: String)
    /// Two tensors share bytes.
    case overlap(path: String, first: String, second: String)
    /// Bytes of the buffer that no tensor covers (a hole, or bytes after the last tensor).
    case uncoveredBytes(path: String, at: Int, reason: String)
    case missingTensor(path: String, name: String)
    /// A tensor whose dtype Khudi cannot turn into Float32.
    case notFloatingPoint(path: String, tensor: String, dtype: String)
    case cannotOpen(path: String, reason: String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .tooShort(let path, let size):
            "\(path): \(size) bytes is too short for a safetensors file (an 8-byte header length first)"
        case .headerTooLarge(let path, let length):
            "\(path): header length \(length) exceeds the 100,000,000-byte limit"
        case .headerBeyondFile(let path, let length, let fileSize):
            "\(path): header length \(length) runs past the end of the \(fileSize)-byte file (truncated?)"
        case .malformedHeader(let path, let reason):
            "\(path): malformed header: \(reason)"
        case .duplicateTensor(let path, let name):
            "\(path): tensor '\(name)' appears twice in the header"
        case .unknownDType(let path, let tensor, let dtype):
            "\(path): tensor '\(tensor)' has unknown dtype '\(dtype)' (known: \(SafeTensorsDType.allCases.map(\.rawValue).joined(separator: ", ")))"
        case .badOffsets(let path, let tensor, let reason):
            "\(path): tensor '\(tensor)': \(reason)"
        case .overlap(let path, let first, let second):
            "\(path): tensors '\(first)' and '\(second)' overlap"
        case .uncoveredBytes(let path, let at, let reason):
            "\(path): data byte \(at): \(reason)"
        case .missingTensor(let path, let name):
            "\(path): no tensor named '\(name)'"
        case .notFloatingPoint(let path, let tensor, let dtype):
            "\(path): tensor '\(tensor)' is \(dtype); only F32, F16 and BF16 convert to Float32"
        case .cannotOpen(let path, let reason):
            "cannot open '\(path)': \(reason)"
        case .cannotWrite(let path, let reason):
            "cannot write '\(path)': \(reason)"
        }
    }
}
