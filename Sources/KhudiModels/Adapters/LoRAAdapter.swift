import Foundation
import KhudiNN
import KhudiTensor

/// PEFT LoRA adapters: a directory with `adapter_config.json` and `adapter_model.safetensors`
/// (keys `base_model.model.<module>.lora_A.weight` (rank, in) and `.lora_B.weight` (out, rank)),
/// as `peft` saves them.
public enum LoRAAdapter {
    /// The key prefix PEFT gives every adapter tensor.
    static let keyPrefix = "base_model.model."

    /// Attaches the adapter in `directory` to `model`'s linear layers and returns how many
    /// layers it adapts.
    ///
    /// Everything is checked before anything is attached: every targeted layer needs both
    /// matrices at its rank, and every tensor in the file must belong to a targeted layer.
    @discardableResult
    public static func load(
        directory: String, into model: any LanguageModel
    ) throws(ModelError)
        -> Int
    {
        let configuration = try AdapterConfiguration(
            contentsOf: "\(directory)/adapter_config.json")
        let weightsPath = "\(directory)/adapter_model.safetensors"
        guard FileManager.default.fileExists(atPath: weightsPath) else {
            let pickled = FileManager.default.fileExists(atPath: "\(directory)/adapter_model.bin")
            throw .notAModel(
                path: directory,
                reason: pickled
                    ? "adapter_model.bin is a pickle; Khudi reads adapter_model.safetensors only"
                    : "no adapter_model.safetensors")
        }
        let file: SafeTensorsFile
        do {
            file = try SafeTensorsFile(path: weightsPath)
        } catch {
            throw .checkpoint(error)
        }
        let present = Set(file.tensors.map(\.name))
        var used = Set<String>()
        var adapters: [(Linear, LoRA)] = []
        for (name, layer, isHead) in model.linearLayers
        where configuration.targets(name, isHead: isHead) {
            let (rank, scale) = configuration.rankAndScale(name)
            let a = try tensor(
                "\(keyPrefix)\(name).lora_A.weight", shape: [rank, layer.inFeatures], in: file,
                present: present)
            let b = try tensor(
                "\(keyPrefix)\(name).lora_B.weight", shape: [layer.outFeatures, rank], in: file,
                present: present)
            used.formUnion([a.name, b.name])
            adapters.append((layer, LoRA(a: a.tensor, b: b.tensor, scale: scale)))
        }
        guard !adapters.isEmpty else {
            let examples = model.linearLayers.prefix(2).map(\.name).joined(separator: ", ")
            throw .invalidField(
                path: "\(directory)/adapter_config.json", field: "target_modules",
                reason: "matches none of the model's linear layers (named like \(examples))")
        }
        if let stray = file.tensors.map(\.name).sorted().first(where: { !used.contains($0) }) {
            throw .unexpectedTensor(path: weightsPath, name: stray)
        }
        for (layer, adapter) in adapters { layer.attach(adapter) }
        return adapters.count
    }

    /// Writes the adapters attached to `model`'s linear layers as a PEFT directory.
    ///
    /// `adapter_config.json` lists the adapted modules by full name (as PEFT records
    /// `all-linear`), with the most common rank and scale as `r` and `lora_alpha` and any other
    /// layer's in `rank_pattern` / `alpha_pattern`; `adapter_model.safetensors` holds the
    /// matrices under PEFT's keys. `peft` loads it with `PeftModel.from_pretrained`.
    public static func save(
        from model: any LanguageModel, directory: String, baseModel: String? = nil
    ) throws(ModelError) {
        let adapted = model.linearLayers.compactMap { name, layer, _ in
            layer.lora.map { (name: name, lora: $0) }
        }
        guard !adapted.isEmpty else { throw .badInput("the model has no LoRA adapters to save") }
        // alpha such that alpha / rank is the layer's scale (plain LoRA scaling).
        func alpha(_ lora: LoRA) -> Double { Double(lora.scale) * Double(lora.rank) }
        let ranks = Dictionary(grouping: adapted.map(\.lora.rank)) { $0 }
        let rank = ranks.max { ($0.value.count, -$0.key) < ($1.value.count, -$1.key) }?.key ?? 0
        let alphas = Dictionary(grouping: adapted.map { alpha($0.lora) }) { $0 }
        let commonAlpha =
            alphas.max { ($0.value.count, -$0.key) < ($1.value.count, -$1.key) }?.key ?? 0
        var rankPattern: [String: Int] = [:]
        var alphaPattern: [String: Double] = [:]
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        for (name, lora) in adapted {
            let key = NSRegularExpression.escapedPattern(for: name)
            if lora.rank != rank { rankPattern[key] = lora.rank }
            if alpha(lora) != commonAlpha { alphaPattern[key] = alpha(lora) }
            writer.add(
                "\(keyPrefix)\(name).lora_A.weight", shape: lora.a.shape, values: lora.a.values)
            writer.add(
                "\(keyPrefix)\(name).lora_B.weight", shape: lora.b.shape, values: lora.b.values)
        }
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .notAModel(path: directory, reason: "cannot create it: \(error)")
        }
        do {
            try writer.write(to: "\(directory)/adapter_model.safetensors")
        } catch {
            throw .checkpoint(error)
        }
        let config: [String: Any] = [
            "peft_type": "LORA", "task_type": "CAUSAL_LM", "r": rank, "lora_alpha": commonAlpha,
            "target_modules": adapted.map(\.name).sorted(), "rank_pattern": rankPattern,
            "alpha_pattern": alphaPattern, "use_rslora": false, "use_dora": false,
            "lora_dropout": Double(adapted.map(\.lora.dropout).max() ?? 0), "bias": "none",
            "fan_in_fan_out": model is GPT2Model,
            "base_model_name_or_path": baseModel ?? NSNull(), "inference_mode": true,
            "modules_to_save": NSNull(), "init_lora_weights": true,
        ]
        try ParameterTransfer.writeJSON(config, to: "\(directory)/adapter_config.json")
    }

    /// Folds every attached adapter into its layer's weight (W + scale · B·A).
    ///
    /// The model then computes what base + adapter computed, as a standalone model. Returns
    /// the number of layers merged.
    @discardableResult
    public static func merge(into model: any LanguageModel) -> Int {
        var merged = 0
        for (_, layer, _) in model.linearLayers where layer.lora != nil {
            layer.mergeAdapter()
            merged += 1
        }
        return merged
    }

    /// The tensor `key` of `file` as Float32, which must have `shape`.
    static func tensor(
        _ key: String, shape: [Int], in file: SafeTensorsFile, present: Set<String>
    ) throws(ModelError) -> (name: String, tensor: Tensor) {
        // PEFT saves without the adapter's name; a file keeping ".default" is read too.
        let candidates = [key, key.replacingOccurrences(of: ".weight", with: ".default.weight")]
        guard let name = candidates.first(where: present.contains) else {
            throw .missingTensor(path: file.path, name: key)
        }
        do {
            let info = try file.info(name)
            guard info.shape == shape else {
                throw ModelError.shapeMismatch(
                    path: file.path, name: name, expected: shape, found: info.shape)
            }
            return (name, Tensor(try file.floats(name), shape: shape))
        } catch {
            if let error = error as? ModelError { throw error }
            if let error = error as? SafeTensorsError { throw .checkpoint(error) }
            throw .invalidField(path: file.path, field: name, reason: "\(error)")
        }
    }
}

extension GPT2Model {
    /// Every linear layer with its PEFT module name (`transformer.h.0.attn.c_attn`); the head
    /// is the tied embedding, not a layer.
    public var linearLayers: [(name: String, layer: Linear, isHead: Bool)] {
        blocks.enumerated().flatMap { index, block in
            let prefix = "transformer.h.\(index)"
            return [
                ("\(prefix).attn.c_attn", block.attention.qkv, false),
                ("\(prefix).attn.c_proj", block.attention.projection, false),
                ("\(prefix).mlp.c_fc", block.mlp.up, false),
                ("\(prefix).mlp.c_proj", block.mlp.down, false),
            ]
        }
    }
}

extension LlamaModel {
    /// Every linear layer with its PEFT module name (`model.layers.0.self_attn.q_proj`), and
    /// an untied head as `lm_head`.
    public var linearLayers: [(name: String, layer: Linear, isHead: Bool)] {
        var layers = blocks.enumerated().flatMap { index, block in
            let prefix = "model.layers.\(index)"
            let (a, m) = (block.attention, block.mlp)
            return [
                ("\(prefix).self_attn.q_proj", a.query, false),
                ("\(prefix).self_attn.k_proj", a.key, false),
                ("\(prefix).self_attn.v_proj", a.value, false),
                ("\(prefix).self_attn.o_proj", a.output, false),
                ("\(prefix).mlp.gate_proj", m.gate, false),
                ("\(prefix).mlp.up_proj", m.up, false),
                ("\(prefix).mlp.down_proj", m.down, false),
            ]
        }
        if let head { layers.append(("lm_head", head, true)) }
        return layers
    }
}
