import Foundation
import KhudiNN
import KhudiTensor

extension GPT2Model {
    /// Loads a Hugging Face GPT-2 directory: `config.json` and `model.safetensors`.
    ///
    /// Keys are accepted with or without the `transformer.` prefix (the official checkpoint
    /// has none, `GPT2LMHeadModel.save_pretrained` writes it); the causal-mask buffers
    /// (`attn.bias`, `attn.masked_bias`) and a stored `lm_head.weight` (the head is tied) are
    /// skipped; any other tensor, a missing one, or a shape the config does not imply is an
    /// error naming it.
    public static func load(directory: String) throws(ModelError) -> GPT2Model {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory),
            isDirectory.boolValue
        else {
            throw .notAModel(path: directory, reason: "not a directory")
        }
        let configuration = try GPT2Configuration(contentsOf: "\(directory)/config.json")
        let weightsPath = "\(directory)/model.safetensors"
        guard FileManager.default.fileExists(atPath: weightsPath) else {
            throw .notAModel(path: directory, reason: "no model.safetensors")
        }
        let file: SafeTensorsFile
        do {
            file = try SafeTensorsFile(path: weightsPath)
        } catch {
            throw .checkpoint(error)
        }
        var generator = SeededGenerator(seed: 0)
        let model = GPT2Model(configuration, generator: &generator)
        let prefix =
            file.tensors.contains { $0.name.hasPrefix("transformer.") } ? "transformer." : ""
        var used: Set<String> = []
        for (name, tensor) in model.namedParameters {
            let key = prefix + name
            guard let info = try? file.info(key) else {
                throw .missingTensor(path: weightsPath, name: key)
            }
            let conv1D = isConv1DWeight(name)
            let expected = conv1D ? [tensor.shape[1], tensor.shape[0]] : tensor.shape
            guard info.shape == expected else {
                throw .shapeMismatch(
                    path: weightsPath, name: key, expected: expected, found: info.shape)
            }
            let values: [Float]
            do {
                values = try file.floats(key)
            } catch {
                // (`catch let … as` inside typed throws trips the compiler; cast instead.)
                if let error = error as? SafeTensorsError { throw .checkpoint(error) }
                throw .badInput("\(error)")
            }
            if conv1D {
                // (in, out) → (out, in).
                let (rows, columns) = (info.shape[0], info.shape[1])
                for r in 0..<rows {
                    for c in 0..<columns { tensor.data[c * rows + r] = values[r * columns + c] }
                }
            } else {
                tensor.data.update(from: values, count: values.count)
            }
            used.insert(key)
        }
        for info in file.tensors where !used.contains(info.name) {
            let name = info.name
            let skipped =
                name.hasSuffix(".attn.bias") || name.hasSuffix(".attn.masked_bias")
                || name == "lm_head.weight"
            if !skipped { throw .unexpectedTensor(path: weightsPath, name: name) }
        }
        return model
    }
}

extension GPT2Model {
    /// Saves in Hugging Face's layout.
    ///
    /// Writes `config.json` (the fields in `configurationFields`, the model's own sizes
    /// overriding them) and `model.safetensors` with `transformer.` keys, the
    /// Conv1D weights transposed back to (in, out), the tied head not stored, and `metadata` in
    /// `__metadata__` beside `format: pt`. Each file is written atomically.
    public func save(
        directory: String, configurationFields: [String: Any] = [:],
        metadata: [String: String] = [:]
    ) throws(ModelError) {
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .notAModel(path: directory, reason: "cannot create it: \(error)")
        }
        var writer = SafeTensorsWriter(metadata: metadata.merging(["format": "pt"]) { a, _ in a })
        for (name, tensor) in namedParameters {
            var values = tensor.values
            var shape = tensor.shape
            if Self.isConv1DWeight(name) {
                let (rows, columns) = (shape[0], shape[1])  // (out, in) → (in, out)
                values = [Float](unsafeUninitializedCapacity: values.count) { buffer, count in
                    for r in 0..<rows {
                        for c in 0..<columns { buffer[c * rows + r] = tensor.data[r * columns + c] }
                    }
                    count = rows * columns
                }
                shape = [columns, rows]
            }
            writer.add("transformer." + name, shape: shape, values: values)
        }
        let config = configurationFields.merging(configuration.huggingFaceFields) { _, ours in ours
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
}
