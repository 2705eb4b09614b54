import Foundation

/// Builds a safetensors file the way the reference writer does: tensors sorted by descending
/// dtype size, then by name, so each starts aligned to its element size; the JSON header padded
/// with spaces to a multiple of 8 bytes; `__metadata__` (strings only) first.
///
/// Files are written atomically: a temporary name in the same directory, fsync, rename.
public struct SafeTensorsWriter {
    private struct Pending {
        var name: String
        var dtype: SafeTensorsDType
        var shape: [Int]
        var bytes: [UInt8]
    }

    private var pending: [Pending] = []
    private var names: Set<String> = []
    public var metadata: [String: String]

    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
    }

    /// Adds a Float32 tensor, stored as `dtype` (F32, F16 or BF16, rounded to nearest even).
    public mutating func add(
        _ name: String, shape: [Int], values: [Float], as dtype: SafeTensorsDType = .f32
    ) {
        precondition(
            shape.reduce(1, *) == values.count, "\(name): shape \(shape) ≠ \(values.count) values")
        precondition(
            [.f32, .f16, .bf16].contains(dtype),
            "\(name): Float32 values cannot be stored as \(dtype.rawValue)")
        let bytes = HalfPrecision.bytes(values, as: dtype)
        add(name, dtype: dtype, shape: shape, bytes: bytes)
    }

    /// Adds a tensor from its raw little-endian bytes.
    public mutating func add(_ name: String, dtype: SafeTensorsDType, shape: [Int], bytes: [UInt8])
    {
        precondition(names.insert(name).inserted, "tensor '\(name)' added twice")
        precondition(
            shape.reduce(1, *) * dtype.size == bytes.count,
            "\(name): \(bytes.count) bytes for shape \(shape) of \(dtype.rawValue)")
        pending.append(Pending(name: name, dtype: dtype, shape: shape, bytes: bytes))
    }

    /// The whole file: header length, padded header, data.
    public func serialized() -> [UInt8] {
        parts().reduce(into: []) { $0 += $1 }
    }

    /// The file in parts: header length and padded header, then each tensor's bytes.
    func parts() -> [[UInt8]] {
        let ordered = pending.sorted {
            $0.dtype.size != $1.dtype.size ? $0.dtype.size > $1.dtype.size : $0.name < $1.name
        }
        var header = "{"
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key < $1.key }.map {
                "\(Self.quoted($0.key)):\(Self.quoted($0.value))"
            }
            fields.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for tensor in ordered {
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            fields.append(
                "\(Self.quoted(tensor.name)):{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + tensor.bytes.count)]}"
            )
            offset += tensor.bytes.count
        }
        header += fields.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var head: [UInt8] = []
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { head += $0 }
        return [head + headerBytes] + ordered.map(\.bytes)
    }

    /// Writes the file to `path` atomically.
    public func write(to path: String) throws(SafeTensorsError) {
        if let failure = writeAtomically(parts(), to: path) {
            throw .cannotWrite(path: path, reason: failure)
        }
    }

    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                result +=
                    "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
