import Foundation

/// A GGUF file (version 3, ggml's docs/gguf.md) built in memory: metadata key/values, then tensor
/// infos, then the data, each tensor aligned to `alignment` bytes.
///
/// Shapes are given PyTorch-style (outermost first) and written innermost-first, as GGUF wants.
public struct GGUFWriter {
    /// A metadata value of one of GGUF's types.
    public enum Value {
        case uint32(UInt32)
        case int32(Int32)
        case float32(Float)
        case bool(Bool)
        case string(String)
        case uint64(UInt64)
        case strings([String])
        case float32s([Float])
        case int32s([Int32])
    }

    /// Tensor element types Khudi writes.
    public enum TensorType: UInt32 {
        case f32 = 0
        case f16 = 1
    }

    public let alignment = 32
    private var metadata: [(String, Value)] = []
    private var tensors: [(name: String, shape: [Int], type: TensorType, bytes: [UInt8])] = []

    public init() {}

    public mutating func set(_ key: String, _ value: Value) { metadata.append((key, value)) }

    /// Adds a tensor from Float32 values, stored as `type` (F16 rounded to nearest even).
    public mutating func add(_ name: String, shape: [Int], values: [Float], as type: TensorType) {
        precondition(name.utf8.count <= 64, "GGUF tensor names are at most 64 bytes: \(name)")
        precondition(shape.reduce(1, *) == values.count, "\(name): shape \(shape)")
        let bytes = HalfPrecision.bytes(values, as: type == .f32 ? .f32 : .f16)
        tensors.append((name, shape, type, bytes))
    }

    /// The whole file.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = Array("GGUF".utf8)
        Self.append(UInt32(3), to: &out)
        Self.append(UInt64(tensors.count), to: &out)
        Self.append(UInt64(metadata.count + 1), to: &out)
        Self.string("general.alignment", to: &out)
        Self.append(UInt32(4), to: &out)  // uint32
        Self.append(UInt32(alignment), to: &out)
        for (key, value) in metadata {
            Self.string(key, to: &out)
            Self.value(value, to: &out)
        }
        var offset = 0
        var offsets: [Int] = []
        for tensor in tensors {
            offsets.append(offset)
            offset += (tensor.bytes.count + alignment - 1) / alignment * alignment
        }
        for (tensor, start) in zip(tensors, offsets) {
            Self.string(tensor.name, to: &out)
            Self.append(UInt32(tensor.shape.count), to: &out)
            for dimension in tensor.shape.reversed() { Self.append(UInt64(dimension), to: &out) }
            Self.append(tensor.type.rawValue, to: &out)
            Self.append(UInt64(start), to: &out)
        }
        Self.pad(&out, to: alignment)
        for tensor in tensors {
            out += tensor.bytes
            Self.pad(&out, to: alignment)
        }
        return out
    }

    /// Writes the file atomically (temporary file, fsync, rename).
    public func write(to path: String) throws(ModelError) {
        if let failure = writeAtomically(serialized(), to: path) {
            throw .checkpoint(.cannotWrite(path: path, reason: failure))
        }
    }

    static func pad(_ bytes: inout [UInt8], to alignment: Int) {
        while bytes.count % alignment != 0 { bytes.append(0) }
    }

    static func append<Integer: FixedWidthInteger>(_ value: Integer, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }

    static func string(_ text: String, to bytes: inout [UInt8]) {
        append(UInt64(text.utf8.count), to: &bytes)
        bytes += Array(text.utf8)
    }

    static func value(_ value: Value, to bytes: inout [UInt8]) {
        switch value {
        case .uint32(let v):
            append(UInt32(4), to: &bytes)
            append(v, to: &bytes)
        case .int32(let v):
            append(UInt32(5), to: &bytes)
            append(v, to: &bytes)
        case .float32(let v):
            append(UInt32(6), to: &bytes)
            append(v.bitPattern, to: &bytes)
        case .bool(let v):
            append(UInt32(7), to: &bytes)
            bytes.append(v ? 1 : 0)
        case .string(let v):
            append(UInt32(8), to: &bytes)
            string(v, to: &bytes)
        case .uint64(let v):
            append(UInt32(10), to: &bytes)
            append(v, to: &bytes)
        case .strings(let list):
            append(UInt32(9), to: &bytes)
            append(UInt32(8), to: &bytes)
            append(UInt64(list.count), to: &bytes)
            for item in list { string(item, to: &bytes) }
        case .float32s(let list):
            append(UInt32(9), to: &bytes)
            append(UInt32(6), to: &bytes)
            append(UInt64(list.count), to: &bytes)
            for item in list { append(item.bitPattern, to: &bytes) }
        case .int32s(let list):
            append(UInt32(9), to: &bytes)
            append(UInt32(5), to: &bytes)
            append(UInt64(list.count), to: &bytes)
            for item in list { append(item, to: &bytes) }
        }
    }
}
