import Foundation
import KhudiNN
import KhudiTensor
import Testing

@testable import KhudiModels

@Suite final class LlamaTests {
    let scratch = NSTemporaryDirectory() + "khudi-llama-\(UUID().uuidString)"

    init() throws {
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: scratch) }

    func fixture(_ name: String) -> String {
        ModelGolden.directory.appendingPathComponent(name).path
    }

    /// Llama with grouped-query attention, an untied head and Llama 3 RoPE scaling; Qwen2 with
    /// q/k/v biases and a tied head.
    @Test(arguments: ["llama-tiny", "qwen2-tiny"])
    func logitsAndGreedyTokensMatchTransformers(_ name: String) throws {
        let golden = try ModelGolden.load(name)
        let model = try LlamaModel.load(directory: fixture(name))
        #expect(try golden.largestLogitDifference(model) < 1e-4)
        #expect(try golden.greedyContinuation(model) == golden.greedy)
    }

    @Test func fixturesCoverWhatTheyClaim() throws {
        let llama = try LlamaModel.load(directory: fixture("llama-tiny")).configuration
        #expect(llama.kvHeads < llama.heads && !llama.tiedEmbeddings && llama.llama3Scaling != nil)
        let qwen = try LlamaModel.load(directory: fixture("qwen2-tiny")).configuration
        #expect(qwen.attentionBias && qwen.tiedEmbeddings && qwen.llama3Scaling == nil)
    }

    /// Copies a fixture into the scratch directory with its config edited.
    func copy(_ name: String, editing edit: (inout [String: Any]) -> Void) throws {
        let source = fixture(name)
        try? FileManager.default.removeItem(atPath: scratch + "/model.safetensors")
        try FileManager.default.copyItem(
            atPath: source + "/model.safetensors", toPath: scratch + "/model.safetensors")
        let data = try Data(contentsOf: URL(fileURLWithPath: source + "/config.json"))
        var object = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        edit(&object)
        try JSONSerialization.data(withJSONObject: object).write(
            to: URL(fileURLWithPath: scratch + "/config.json"))
    }

    @Test func olderRopeKeysGiveTheSameModel() throws {
        // transformers 4 wrote rope_theta and rope_scaling (with "type" in older files).
        try copy("llama-tiny") { object in
            var parameters = object.removeValue(forKey: "rope_parameters") as? [String: Any] ?? [:]
            object["rope_theta"] = parameters.removeValue(forKey: "rope_theta")
            parameters["type"] = parameters.removeValue(forKey: "rope_type")
            object["rope_scaling"] = parameters
        }
        let golden = try ModelGolden.load("llama-tiny")
        #expect(try golden.largestLogitDifference(try LlamaModel.load(directory: scratch)) < 1e-4)
    }

    @Test func savedModelsReloadWithEveryTensorByteForByte() throws {
        for name in ["llama-tiny", "qwen2-tiny"] {
            let model = try LlamaModel.load(directory: fixture(name))
            let out = scratch + "/" + name
            try model.save(directory: out)
            let original = try SafeTensorsFile(path: fixture(name) + "/model.safetensors")
            let saved = try SafeTensorsFile(path: out + "/model.safetensors")
            #expect(Set(saved.tensors.map(\.name)) == Set(original.tensors.map(\.name)), "\(name)")
            for tensor in original.tensors {
                let before = try original.withBytes(of: tensor.name) { Array($0) }
                #expect(
                    try saved.withBytes(of: tensor.name) { Array($0) } == before, "\(tensor.name)")
            }
            let reloaded = try LlamaModel.load(directory: out)
            #expect(reloaded.configuration == model.configuration, "\(name)")
            #expect(try ModelGolden.load(name).largestLogitDifference(reloaded) < 1e-4, "\(name)")
        }
    }

    @Test func shardedCheckpointsSaveAndLoad() throws {
        let model = try LlamaModel.load(directory: fixture("llama-tiny"))
        let out = scratch + "/sharded"
        try model.save(directory: out, maximumShardBytes: 40_000)
        let files = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        let shards = files.filter { $0.hasPrefix("model-") }
        #expect(shards.count > 1 && !files.contains("model.safetensors"))
        #expect(shards.first == String(format: "model-00001-of-%05d.safetensors", shards.count))
        let indexData = try Data(
            contentsOf: URL(fileURLWithPath: out + "/model.safetensors.index.json"))
        let index = try JSONSerialization.jsonObject(with: indexData) as? [String: Any]
        let map = index?["weight_map"] as? [String: String] ?? [:]
        #expect(Set(map.keys) == Set(model.namedParameters.map(\.name)))
        #expect(
            (index?["metadata"] as? [String: Any])?["total_size"] as? Int
                == 4 * model.parameterCount)
        let reloaded = try LlamaModel.load(directory: out)
        #expect(try ModelGolden.load("llama-tiny").largestLogitDifference(reloaded) < 1e-4)

        // An index that disagrees with its shards is named.
        var wrong = map
        let moved = model.namedParameters[0].name
        wrong[moved] = shards.last
        try JSONSerialization.data(withJSONObject: ["weight_map": wrong]).write(
            to: URL(fileURLWithPath: out + "/model.safetensors.index.json"))
        do {
            _ = try LlamaModel.load(directory: out)
            Issue.record("an index placing \(moved) in the wrong shard was accepted")
        } catch {
            guard case .invalidField(_, "weight_map", let reason) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(reason.contains(moved))
        }
        // Saving again unsharded leaves no stale index or shard behind.
        try model.save(directory: out)
        let after = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        #expect(after == ["config.json", "model.safetensors"])
        #expect(try LlamaModel.load(directory: out).configuration == model.configuration)
    }

    func loadError() -> ModelError? {
        do {
            _ = try LlamaModel.load(directory: scratch)
            return nil
        } catch {
            return error
        }
    }

    @Test func unsupportedConfigurationsAreNamedWithWhatIsSupported() throws {
        let config = scratch + "/config.json"
        try copy("llama-tiny") { $0["model_type"] = "gemma" }
        #expect(
            loadError()
                == .unsupported(
                    path: config, field: "model_type", value: "gemma",
                    supported: "llama, mistral, qwen2"))
        try copy("llama-tiny") { object in
            var parameters = object["rope_parameters"] as? [String: Any] ?? [:]
            parameters["rope_type"] = "yarn"
            object["rope_parameters"] = parameters
        }
        #expect(
            loadError()
                == .unsupported(
                    path: config, field: "rope_parameters.rope_type", value: "yarn",
                    supported: "default, llama3"))
        try copy("llama-tiny") {
            $0["model_type"] = "mistral"
            $0["sliding_window"] = 8
        }
        guard case .unsupported(_, "sliding_window", "8", _) = loadError() else {
            Issue.record("a sliding window shorter than the context accepted")
            return
        }
        try copy("llama-tiny") { $0["num_key_value_heads"] = 3 }
        guard case .invalidField(_, "num_key_value_heads", _) = loadError() else {
            Issue.record("4 heads over 3 key/value heads accepted")
            return
        }
        try copy("llama-tiny") { $0["intermediate_size"] = nil }
        #expect(loadError() == .missingField(path: config, field: "intermediate_size"))
    }

    @Test func anUntiedHeadMustBeStored() throws {
        // Declaring the head untied when the checkpoint has none: the missing tensor is named.
        try copy("qwen2-tiny") { $0["tie_word_embeddings"] = false }
        #expect(
            loadError()
                == .missingTensor(path: scratch + "/model.safetensors", name: "lm_head.weight"))
    }
}
