import Foundation
import KhudiNN
import KhudiTensor
import Testing

@testable import KhudiModels

@Suite struct AdapterTests {
    static let cases: [(adapter: String, adapted: Int)] = [
        ("llama-tiny-lora", 6), ("qwen2-tiny-lora", 14), ("gpt2-tiny-lora", 4),
    ]

    func base(_ adapter: String) throws -> any LanguageModel {
        let name = String(adapter.dropLast("-lora".count))
        let directory = ModelGolden.directory.appendingPathComponent(name).path
        return name.hasPrefix("gpt2")
            ? try GPT2Model.load(directory: directory) : try LlamaModel.load(directory: directory)
    }

    func path(_ adapter: String) -> String {
        ModelGolden.directory.appendingPathComponent(adapter).path
    }

    /// A copy of a fixture adapter in a fresh directory, with its config edited by `edit`.
    func copy(
        _ adapter: String, edit: (inout [String: Any]) -> Void = { _ in }
    ) throws -> String {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("khudi-adapter-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: "\(path(adapter))/adapter_model.safetensors",
            toPath: "\(directory)/adapter_model.safetensors")
        let data = try Data(
            contentsOf: URL(fileURLWithPath: "\(path(adapter))/adapter_config.json"))
        var config = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        edit(&config)
        try JSONSerialization.data(withJSONObject: config).write(
            to: URL(fileURLWithPath: "\(directory)/adapter_config.json"))
        return directory
    }

    /// PEFT adapters (random A and B) on all three families: Khudi's adapted logits equal
    /// PEFT's within 1e-4 and the greedy continuation is PEFT's.
    @Test(arguments: cases.map(\.adapter))
    func peftAdaptersMatchPeftLogits(_ adapter: String) throws {
        let golden = try ModelGolden.load(adapter, format: "khudi-adapter-golden/1")
        let model = try base(adapter)
        let before = try golden.largestLogitDifference(model)
        let adapted = try LoRAAdapter.load(directory: path(adapter), into: model)
        #expect(adapted == Self.cases.first { $0.adapter == adapter }?.adapted)
        #expect(before > 1e-2, "the adapter changes the logits")
        #expect(try golden.largestLogitDifference(model) < 1e-4)
        var options = GenerationOptions()
        options.maximumNewTokens = golden.greedy.count
        #expect(
            try Generator(model: model, options: options).generate([golden.prompts[0]]) == [
                golden.greedy
            ])
    }

    /// Saving the loaded adapters writes a PEFT directory that loads back to the same logits,
    /// keeping per-layer ranks in `rank_pattern`.
    @Test(arguments: cases.map(\.adapter))
    func savedAdaptersLoadBackIdentically(_ adapter: String) throws {
        let model = try base(adapter)
        try LoRAAdapter.load(directory: path(adapter), into: model)
        let directory = try copy(adapter)
        try LoRAAdapter.save(from: model, directory: directory, baseModel: "base")
        let reloaded = try base(adapter)
        try LoRAAdapter.load(directory: directory, into: reloaded)
        let tokens: [Int32] = [5, 17, 42, 8, 91]
        let expected = try GradientMode.withoutGradients {
            try model.logits(tokens, batch: 1, length: 5).values
        }
        let found = try GradientMode.withoutGradients {
            try reloaded.logits(tokens, batch: 1, length: 5).values
        }
        #expect(expected == found)
        let config = try AdapterConfiguration(contentsOf: "\(directory)/adapter_config.json")
        #expect(config.baseModel == "base")
        if adapter == "llama-tiny-lora" {
            #expect(config.rank == 4 && config.rankPattern.count == 2)
            #expect(config.rankAndScale("model.layers.1.mlp.down_proj") == (2, 4))
        }
        #expect(throws: ModelError.badInput("the model has no LoRA adapters to save")) {
            try LoRAAdapter.save(from: try base(adapter), directory: directory)
        }
    }

    /// Folding the adapter into the weights gives the adapted model's logits, as a standalone
    /// model that saves and loads like any other.
    @Test(arguments: cases.map(\.adapter))
    func mergedModelsComputeWhatTheAdapterDid(_ adapter: String) throws {
        let model = try base(adapter)
        try LoRAAdapter.load(directory: path(adapter), into: model)
        let tokens: [Int32] = [5, 17, 42, 8, 91, 3]
        func logits(_ m: any LanguageModel) throws -> [Float] {
            try GradientMode.withoutGradients { try m.logits(tokens, batch: 1, length: 6).values }
        }
        let adapted = try logits(model)
        #expect(
            LoRAAdapter.merge(into: model) == Self.cases.first { $0.adapter == adapter }?.adapted)
        #expect(model.linearLayers.allSatisfy { $0.layer.lora == nil })
        let merged = try logits(model)
        let worst = zip(adapted, merged).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 1
        #expect(worst < 1e-5, "\(adapter): merged logits differ by \(worst)")
        let directory = try copy(adapter)
        try model.save(
            directory: directory, configurationFields: [:], metadata: [:], maximumShardBytes: nil)
        let reloaded: any LanguageModel =
            adapter.hasPrefix("gpt2")
            ? try GPT2Model.load(directory: directory) : try LlamaModel.load(directory: directory)
        #expect(try logits(reloaded) == merged)
    }

    @Test func rankPatternAndScalesFollowPeft() throws {
        let config = try AdapterConfiguration(
            contentsOf: "\(path("llama-tiny-lora"))/adapter_config.json")
        #expect(config.rankAndScale("model.layers.0.mlp.down_proj") == (2, 4))
        #expect(config.rankAndScale("model.layers.0.self_attn.q_proj") == (4, 2))
        #expect(config.targets("model.layers.1.self_attn.v_proj", isHead: false))
        #expect(!config.targets("model.layers.1.self_attn.k_proj", isHead: false))
        let qwen = try AdapterConfiguration(
            contentsOf: "\(path("qwen2-tiny-lora"))/adapter_config.json")
        #expect(
            qwen.rankStabilized
                && abs(qwen.rankAndScale("x").scale - Float(4 / 2.0.squareRoot())) < 1e-6)
        var object: [String: Any] = [
            "peft_type": "LORA", "r": 8, "target_modules": "all-linear",
            "exclude_modules": ["down_proj"],
        ]
        let all = try AdapterConfiguration(object, path: "inline")
        #expect(all.targets("model.layers.0.mlp.up_proj", isHead: false))
        #expect(!all.targets("model.layers.0.mlp.down_proj", isHead: false))
        #expect(!all.targets("lm_head", isHead: true))
        object["target_modules"] = #"model\.layers\.\d+\.self_attn\.(q|v)_proj"#
        let pattern = try AdapterConfiguration(object, path: "inline")
        #expect(pattern.targets("model.layers.12.self_attn.v_proj", isHead: false))
        #expect(!pattern.targets("model.layers.12.self_attn.k_proj", isHead: false))
        #expect(!pattern.targets("xmodel.layers.1.self_attn.q_proj", isHead: false))
    }

    /// Each kind of bad adapter is refused, naming the file and field or tensor, and a refused
    /// adapter leaves the model as it was.
    @Test func badAdaptersAreRefusedAndLeaveTheModelUnchanged() throws {
        let model = try base("llama-tiny-lora")
        func refuses(_ directory: String, _ expected: (ModelError) -> Bool) {
            do {
                try LoRAAdapter.load(directory: directory, into: model)
                Issue.record("\(directory) was accepted")
            } catch {
                #expect(expected(error), "\(error)")
            }
        }
        refuses(ModelGolden.directory.appendingPathComponent("llama-tiny").path) {
            if case .notAModel(_, let reason) = $0 { return reason.contains("adapter_config.json") }
            return false
        }
        refuses(try copy("llama-tiny-lora") { $0["use_dora"] = true }) {
            if case .unsupported(_, "use_dora", _, _) = $0 { return true }
            return false
        }
        refuses(try copy("llama-tiny-lora") { $0["peft_type"] = "IA3" }) {
            if case .unsupported(_, "peft_type", "IA3", "LORA") = $0 { return true }
            return false
        }
        refuses(try copy("llama-tiny-lora") { $0.removeValue(forKey: "r") }) {
            $0 == .missingField(path: $0.pathOfFile, field: "r")
        }
        // Without the rank pattern the down_proj matrices have the wrong rank.
        refuses(try copy("llama-tiny-lora") { $0["rank_pattern"] = [String: Int]() }) {
            if case .shapeMismatch(_, let name, [4, 96], [2, 96]) = $0 {
                return name.hasSuffix("layers.0.mlp.down_proj.lora_A.weight")
            }
            return false
        }
        // A target the file has no matrices for.
        refuses(
            try copy("llama-tiny-lora") {
                $0["target_modules"] = ["q_proj", "v_proj", "down_proj", "k_proj"]
            }
        ) {
            if case .missingTensor(_, let name) = $0 { return name.contains("k_proj.lora_A") }
            return false
        }
        // Matrices for a module the config does not target.
        refuses(try copy("llama-tiny-lora") { $0["target_modules"] = ["q_proj", "down_proj"] }) {
            if case .unexpectedTensor(_, let name) = $0 { return name.contains("v_proj") }
            return false
        }
        refuses(try copy("llama-tiny-lora") { $0["target_modules"] = ["c_attn"] }) {
            if case .invalidField(_, "target_modules", let reason) = $0 {
                return reason.contains("model.layers.0.self_attn.q_proj")
            }
            return false
        }
        let truncated = try copy("llama-tiny-lora")
        try Data([1, 2, 3]).write(
            to: URL(fileURLWithPath: "\(truncated)/adapter_model.safetensors"))
        refuses(truncated) {
            if case .checkpoint = $0 { return true }
            return false
        }
        #expect(model.linearLayers.allSatisfy { $0.layer.lora == nil })
    }
}

extension ModelError {
    /// The file a missing-field error names (for building the expected error).
    fileprivate var pathOfFile: String {
        if case .missingField(let path, _) = self { return path }
        return ""
    }
}
