import Foundation

/// The tensors of a checkpoint, in one safetensors file or sharded over several with a
/// `model.safetensors.index.json` (transformers' convention: `weight_map` from tensor name to
/// shard file, `metadata.total_size`).
public struct CheckpointTensors {
    /// The file named in errors (the single file, or the index).
    public let path: String
    private let files: [SafeTensorsFile]
    /// Each tensor's file, by name.
    private let owner: [String: Int]
    /// Every tensor, file by file.
    public let tensors: [SafeTensorsFile.TensorInfo]

    public static let indexName = "model.safetensors.index.json"

    /// One file.
    public init(file: SafeTensorsFile) {
        path = file.path
        files = [file]
        tensors = file.tensors
        owner = Dictionary(uniqueKeysWithValues: file.tensors.map { ($0.name, 0) })
    }

    /// `directory/model.safetensors`, or the shards its index lists.
    public init(directory: String) throws(ModelError) {
        let single = "\(directory)/model.safetensors"
        let index = "\(directory)/\(Self.indexName)"
        if FileManager.default.fileExists(atPath: single) {
            do {
                self = CheckpointTensors(file: try SafeTensorsFile(path: single))
            } catch {
                throw .checkpoint(error)
            }
            return
        }
        guard let data = FileManager.default.contents(atPath: index) else {
            throw .notAModel(path: directory, reason: "no model.safetensors or \(Self.indexName)")
        }
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
            let map = root["weight_map"] as? [String: String]
        else {
            throw .invalidField(
                path: index, field: "weight_map", reason: "expected an object of strings")
        }
        let shardNames = Array(Set(map.values)).sorted()
        var files: [SafeTensorsFile] = []
        for name in shardNames {
            guard !name.contains("/") else {
                throw .invalidField(
                    path: index, field: "weight_map", reason: "shard '\(name)' is not a file name")
            }
            do {
                files.append(try SafeTensorsFile(path: "\(directory)/\(name)"))
            } catch {
                throw .checkpoint(error)
            }
        }
        var owner: [String: Int] = [:]
        var tensors: [SafeTensorsFile.TensorInfo] = []
        for (position, file) in files.enumerated() {
            let shard = shardNames[position]
            for tensor in file.tensors {
                guard map[tensor.name] == shard else {
                    throw .invalidField(
                        path: index, field: "weight_map",
                        reason:
                            "tensor '\(tensor.name)' is in \(shard) but the index puts it in \(map[tensor.name] ?? "no shard")"
                    )
                }
                owner[tensor.name] = position
                tensors.append(tensor)
            }
        }
        for (name, shard) in map where owner[name] == nil {
            throw .invalidField(
                path: index, field: "weight_map", reason: "tensor '\(name)' is not in \(shard)")
        }
        path = index
        self.files = files
        self.owner = owner
        self.tensors = tensors
    }

    public func info(_ name: String) -> SafeTensorsFile.TensorInfo? {
        guard let position = owner[name] else { return nil }
        return try? files[position].info(name)
    }

    /// Writes tensor `name`'s values as Float32 into `out`.
    public func read(_ name: String, into out: UnsafeMutablePointer<Float>) throws {
        guard let position = owner[name] else {
            throw SafeTensorsError.missingTensor(path: path, name: name)
        }
        try files[position].read(name, into: out)
    }

    public func floats(_ name: String) throws -> [Float] {
        guard let position = owner[name] else {
            throw SafeTensorsError.missingTensor(path: path, name: name)
        }
        return try files[position].floats(name)
    }
}

extension SafeTensorsWriter {
    /// Splits `tensors` (name, dtype size, shape, values) into shards of at most
    /// `maximumBytes` (a larger tensor gets a shard of its own), in the given order.
    static func shardSizes(_ sizes: [Int], maximumBytes: Int) -> [[Int]] {
        var shards: [[Int]] = []
        var current: [Int] = []
        var bytes = 0
        for (index, size) in sizes.enumerated() {
            if !current.isEmpty && bytes + size > maximumBytes {
                shards.append(current)
                current = []
                bytes = 0
            }
            current.append(index)
            bytes += size
        }
        if !current.isEmpty { shards.append(current) }
        return shards
    }
}
