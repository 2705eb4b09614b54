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
        _ parameters: [(name: String, tensor: Tensor)], from file: SafeTensorsFile
    ) throws(ModelError) {
        var used: Set<String> = []
        for (name, tensor) in parameters {
            let key = key(name)
            guard let info = try? file.info(key) else {
                throw .missingTensor(path: file.path, name: key)
            }
            let flipped = transposed(name)
            let expected = flipped ? [tensor.shape[1], tensor.shape[0]] : tensor.shape
            guard info.shape == expected else {
                throw .shapeMismatch(
                    path: file.path, name: key, expected: expected, found: info.shape)
            }
            let values: [Float]
            do {
                values = try file.floats(key)
            } catch {
                // (`catch let … as` inside typed throws trips the compiler; cast instead.)
                if let error = error as? SafeTensorsError { throw .checkpoint(error) }
                throw .badInput("\(error)")
            }
            if flipped {
                transpose(values, rows: info.shape[0], columns: info.shape[1], into: tensor.data)
            } else {
                tensor.data.update(from: values, count: values.count)
            }
            used.insert(key)
        }
        for info in file.tensors where !used.contains(info.name) && !ignored(info.name) {
            throw .unexpectedTensor(path: file.path, name: info.name)
        }
    }

    /// A writer holding `parameters` under their checkpoint keys, as F32.
    func writer(
        _ parameters: [(name: String, tensor: Tensor)], metadata: [String: String]
    ) -> SafeTensorsWriter {
        var writer = SafeTensorsWriter(metadata: metadata.merging(["format": "pt"]) { a, _ in a })
        for (name, tensor) in parameters {
            if transposed(name) {
                let (rows, columns) = (tensor.shape[0], tensor.shape[1])
                let values = [Float](unsafeUninitializedCapacity: rows * columns) { buffer, count in
                    if let base = buffer.baseAddress {
                        transpose(tensor.values, rows: rows, columns: columns, into: base)
                    }
                    count = rows * columns
                }
                writer.add(key(name), shape: [columns, rows], values: values)
            } else {
                writer.add(key(name), shape: tensor.shape, values: tensor.values)
            }
        }
        return writer
    }

    /// Writes `config.json` (fields as JSON) and `model.safetensors` into `directory`, each
    /// atomically, creating the directory if needed.
    static func save(
        directory: String, config: [String: Any], writer: SafeTensorsWriter
    ) throws(ModelError) {
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .notAModel(path: directory, reason: "cannot create it: \(error)")
        }
        let path = "\(directory)/config.json"
        guard
            let data = try? JSONSerialization.data(
                withJSONObject: config, options: [.sortedKeys, .prettyPrinted])
        else {
            throw .invalidField(path: path, field: "(file)", reason: "fields are not JSON")
        }
        if let failure = writeAtomically(Array(data), to: path) {
            throw .checkpoint(.cannotWrite(path: path, reason: failure))
        }
        do {
            try writer.write(to: "\(directory)/model.safetensors")
        } catch {
            throw .checkpoint(error)
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

    /// Opens `directory/model.safetensors`.
    static func weights(in directory: String) throws(ModelError) -> SafeTensorsFile {
        let path = "\(directory)/model.safetensors"
        guard FileManager.default.fileExists(atPath: path) else {
            throw .notAModel(path: directory, reason: "no model.safetensors")
        }
        do {
            return try SafeTensorsFile(path: path)
        } catch {
            throw .checkpoint(error)
        }
    }
}

/// out[c·rows + r] = values[r·columns + c]: a (rows, columns) matrix transposed.
private func transpose(
    _ values: [Float], rows: Int, columns: Int, into out: UnsafeMutablePointer<Float>
) {
    for r in 0..<rows {
        for c in 0..<columns { out[c * rows + r] = values[r * columns + c] }
    }
}
