import Foundation
import KhudiNN
import KhudiTensor

/// Moving a module's parameters to and from a Hugging Face safetensors checkpoint, shared by
/// every architecture: each parameter's checkpoint key, and whether the checkpoint stores it
/// transposed (GPT-2's Conv1D weights), come from the architecture.
struct ParameterTransfer {
    /// The checkpoint key of a parameter name.
    var key: (String) -> String
    /// Whether the checkpoint holds this parameter's 2-D weight as (in, out).
    var transposed: (String) -> Bool = { _ in false }
    /// Checkpoint keys that are not parameters and are skipped (buffers, tied copies).
    var ignored: (String) -> Bool = { _ in false }

    /// Fills `parameters` from `file`; a missing, misshapen or unknown tensor is an error naming
    /// it.
    func load(
        _ parameters: [(name: String, tensor: Tensor)], from file: CheckpointTensors
    ) throws(ModelError) {
        var used: Set<String> = []
        for (name, tensor) in parameters {
            let key = key(name)
            guard let info = file.info(key) else {
                throw .missingTensor(path: file.path, name: key)
            }
            let flipped = transposed(name)
            let expected = flipped ? [tensor.shape[1], tensor.shape[0]] : tensor.shape
            guard info.shape == expected else {
                throw .shapeMismatch(
                    path: file.path, name: key, expected: expected, found: info.shape)
            }
            do {
                if flipped {
                    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: tensor.count)
                    defer { scratch.deallocate() }
                    try file.read(key, into: scratch)
                    transpose(
                        UnsafePointer(scratch), rows: info.shape[0], columns: info.shape[1],
                        into: tensor.data)
                } else {
                    try file.read(key, into: tensor.data)
                }
            } catch {
                // (`catch let … as` inside typed throws trips the compiler; cast instead.)
                if let error = error as? SafeTensorsError { throw .checkpoint(error) }
                throw .badInput("\(error)")
            }
            used.insert(key)
        }
        for info in file.tensors where !used.contains(info.name) && !ignored(info.name) {
            throw .unexpectedTensor(path: file.path, name: info.name)
        }
    }

    /// `parameters` as checkpoint tensors: key, shape as stored, values (F32).
    func entries(
        _ parameters: [(name: String, tensor: Tensor)]
    ) -> [(key: String, shape: [Int], values: [Float])] {
        parameters.map { name, tensor in
            guard transposed(name) else { return (key(name), tensor.shape, tensor.values) }
            let (rows, columns) = (tensor.shape[0], tensor.shape[1])
            let values = [Float](unsafeUninitializedCapacity: rows * columns) { buffer, count in
                if let base = buffer.baseAddress {
                    transpose(tensor.values, rows: rows, columns: columns, into: base)
                }
                count = rows * columns
            }
            return (key(name), [columns, rows], values)
        }
    }

    /// Writes `config.json` and the weights into `directory` (created if needed).
    ///
    /// The weights go to `model.safetensors`, or, when they pass `maximumShardBytes`, to
    /// `model-0000i-of-0000n.safetensors` shards and `model.safetensors.index.json`; weight
    /// files of an earlier save that the new one does not use are removed. Each file is written
    /// atomically; `metadata` goes in every file's `__metadata__` beside `format: pt`.
    static func save(
        directory: String, config: [String: Any],
        entries: [(key: String, shape: [Int], values: [Float])], metadata: [String: String],
        maximumShardBytes: Int? = nil
    ) throws(ModelError) {
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .notAModel(path: directory, reason: "cannot create it: \(error)")
        }
        try writeJSON(config, to: "\(directory)/config.json")
        let metadata = metadata.merging(["format": "pt"]) { a, _ in a }
        let sizes = entries.map { 4 * $0.values.count }
        let shards = SafeTensorsWriter.shardSizes(sizes, maximumBytes: maximumShardBytes ?? .max)
        var weightMap: [String: String] = [:]
        for (number, members) in shards.enumerated() {
            let name =
                shards.count == 1
                ? "model.safetensors"
                : String(format: "model-%05d-of-%05d.safetensors", number + 1, shards.count)
            var writer = SafeTensorsWriter(metadata: metadata)
            for index in members {
                writer.add(
                    entries[index].key, shape: entries[index].shape, values: entries[index].values)
                weightMap[entries[index].key] = name
            }
            do {
                try writer.write(to: "\(directory)/\(name)")
            } catch {
                throw .checkpoint(error)
            }
        }
        let index = "\(directory)/\(CheckpointTensors.indexName)"
        if shards.count > 1 {
            try writeJSON(
                ["metadata": ["total_size": sizes.reduce(0, +)], "weight_map": weightMap], to: index
            )
        }
        let written = Set(weightMap.values).union(
            shards.count > 1 ? [CheckpointTensors.indexName] : [])
        let earlier = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in earlier where !written.contains(name) && isWeightFile(name) {
            try? FileManager.default.removeItem(atPath: "\(directory)/\(name)")
        }
    }

    /// Whether `name` is one of the weight files `save` writes.
    static func isWeightFile(_ name: String) -> Bool {
        name == "model.safetensors" || name == CheckpointTensors.indexName
            || (name.hasPrefix("model-") && name.contains("-of-") && name.hasSuffix(".safetensors"))
    }

    /// `object` as sorted, indented JSON at `path`, written atomically.
    static func writeJSON(_ object: [String: Any], to path: String) throws(ModelError) {
        guard
            let data = try? JSONSerialization.data(
                withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
        else {
            throw .invalidField(path: path, field: "(file)", reason: "fields are not JSON")
        }
        if let failure = writeAtomically(Array(data), to: path) {
            throw .checkpoint(.cannotWrite(path: path, reason: failure))
        }
    }

    /// `directory/config.json`, after checking the directory and the file exist.
    static func configPath(in directory: String) throws(ModelError) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory),
            isDirectory.boolValue
        else {
            throw .notAModel(path: directory, reason: "not a directory")
        }
        guard FileManager.default.fileExists(atPath: "\(directory)/config.json") else {
            throw .notAModel(path: directory, reason: "no config.json")
        }
        return "\(directory)/config.json"
    }

    /// The weights in `directory`: one file, or shards with an index.
    static func weights(in directory: String) throws(ModelError) -> CheckpointTensors {
        try CheckpointTensors(directory: directory)
    }
}

/// out[c·rows + r] = values[r·columns + c]: a (rows, columns) matrix transposed, in 32 × 32
/// tiles so reads and writes both stay within cache lines (the element-by-element loop was
/// 40% of loading GPT-2, whose Conv1D weights are all transposed).
private func transpose(
    _ values: UnsafePointer<Float>, rows: Int, columns: Int, into out: UnsafeMutablePointer<Float>
) {
    let tile = 32
    for rowStart in stride(from: 0, to: rows, by: tile) {
        let rowEnd = min(rows, rowStart + tile)
        for columnStart in stride(from: 0, to: columns, by: tile) {
            let columnEnd = min(columns, columnStart + tile)
            for r in rowStart..<rowEnd {
                for c in columnStart..<columnEnd { out[c * rows + r] = values[r * columns + c] }
            }
        }
    }
}

private func transpose(
    _ values: [Float], rows: Int, columns: Int, into out: UnsafeMutablePointer<Float>
) {
    values.withUnsafeBufferPointer { buffer in
        guard let base = buffer.baseAddress else { return }
        transpose(base, rows: rows, columns: columns, into: out)
    }
}
