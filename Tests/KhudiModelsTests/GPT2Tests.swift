import Foundation
import KhudiNN
import KhudiTensor
import Testing

@testable import KhudiModels

/// What scripts/fixtures/make_model_golden.py recorded with transformers.
struct ModelGolden: Decodable {
    var format: String
    var transformers: String
    var prompts: [[Int32]]
    var logits: [Float]
    var logitsShape: [Int]
    var greedy: [Int32]

    enum CodingKeys: String, CodingKey {
        case format, transformers, prompts, logits, greedy
        case logitsShape = "logits_shape"
    }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func load(
        _ name: String, format: String = "khudi-model-golden/1"
    ) throws -> ModelGolden {
        let url = directory.appendingPathComponent("\(name).json")
        let golden = try JSONDecoder().decode(ModelGolden.self, from: Data(contentsOf: url))
        guard golden.format == format else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: url.path])
        }
        return golden
    }
}

extension ModelGolden {
    /// The largest relative difference between `model`'s logits for the prompts and these.
    func largestLogitDifference(_ model: some LanguageModel) throws -> Float {
        let logits = try GradientMode.withoutGradients {
            try model.logits(prompts.flatMap { $0 }, batch: prompts.count, length: prompts[0].count)
        }
        guard logits.shape == logitsShape else { return .infinity }
        return zip(logits.values, self.logits).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
    }

    /// `model`'s greedy continuation of the first prompt, recomputed from scratch each step;
    /// ties go to the lowest id, as torch's argmax.
    func greedyContinuation(_ model: some LanguageModel) throws -> [Int32] {
        var tokens = prompts[0]
        for _ in greedy.indices {
            let logits = try GradientMode.withoutGradients {
                try model.logits(tokens, batch: 1, length: tokens.count)
            }
            let last = Array(logits.values.suffix(model.vocabularySize))
            var best = 0
            for index in last.indices where last[index] > last[best] { best = index }
            tokens.append(Int32(best))
        }
        return Array(tokens.suffix(greedy.count))
    }
}

@Suite final class GPT2Tests {
    let fixture = ModelGolden.directory.appendingPathComponent("gpt2-tiny").path
    let scratch = NSTemporaryDirectory() + "khudi-gpt2-\(UUID().uuidString)"

    init() throws {
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: scratch) }

    @Test func logitsMatchTransformers() throws {
        let golden = try ModelGolden.load("gpt2-tiny")
        let model = try GPT2Model.load(directory: fixture)
        let length = golden.prompts[0].count
        let logits = try GradientMode.withoutGradients {
            try model.logits(
                golden.prompts.flatMap { $0 }, batch: golden.prompts.count, length: length)
        }
        #expect(logits.shape == golden.logitsShape)
        let worst =
            zip(logits.values, golden.logits).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
        #expect(worst < 1e-4, "largest relative difference \(worst)")
    }

    @Test func greedyContinuationMatchesTransformers() throws {
        let golden = try ModelGolden.load("gpt2-tiny")
        let model = try GPT2Model.load(directory: fixture)
        var tokens = golden.prompts[0]
        // Recomputed from scratch each step (no cache yet); argmax, first on ties as torch.
        for _ in golden.greedy.indices {
            let logits = try GradientMode.withoutGradients {
                try model.logits(tokens, batch: 1, length: tokens.count)
            }
            let vocabulary = model.configuration.vocabularySize
            let last = Array(logits.values.suffix(vocabulary))
            tokens.append(
                Int32(
                    last.indices.max { last[$0] < last[$1] || (last[$0] == last[$1] && $0 > $1) }!))
        }
        #expect(Array(tokens.suffix(golden.greedy.count)) == golden.greedy)
    }

    @Test func keysLoadWithAndWithoutTheTransformerPrefix() throws {
        let original = try SafeTensorsFile(path: fixture + "/model.safetensors")
        var writer = SafeTensorsWriter(metadata: original.metadata)
        for tensor in original.tensors {
            let name = tensor.name.replacingOccurrences(of: "transformer.", with: "")
            writer.add(name, shape: tensor.shape, values: try original.floats(tensor.name))
        }
        try copyConfig(to: scratch)
        try writer.write(to: scratch + "/model.safetensors")
        let plain = try GPT2Model.load(directory: scratch)
        let prefixed = try GPT2Model.load(directory: fixture)
        for ((name, a), (_, b)) in zip(plain.namedParameters, prefixed.namedParameters) {
            #expect(a.values == b.values, "\(name)")
        }
    }

    @Test func savingWritesEveryTensorBackByteForByte() throws {
        let model = try GPT2Model.load(directory: fixture)
        try model.save(directory: scratch, metadata: ["khudi_source": "gpt2-tiny"])
        let original = try SafeTensorsFile(path: fixture + "/model.safetensors")
        let saved = try SafeTensorsFile(path: scratch + "/model.safetensors")
        #expect(Set(saved.tensors.map(\.name)) == Set(original.tensors.map(\.name)))
        for tensor in original.tensors {
            let before = try original.withBytes(of: tensor.name) { Array($0) }
            let after = try saved.withBytes(of: tensor.name) { Array($0) }
            #expect(before == after, "\(tensor.name)")
            #expect(try saved.info(tensor.name).shape == tensor.shape)
        }
        #expect(saved.metadata == ["format": "pt", "khudi_source": "gpt2-tiny"])
        let reloaded = try GPT2Model.load(directory: scratch)
        #expect(reloaded.configuration == model.configuration)
    }

    func copyConfig(
        to directory: String, editing edit: (inout [String: Any]) -> Void = { _ in }
    )
        throws
    {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture + "/config.json"))
        var object = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        edit(&object)
        try JSONSerialization.data(withJSONObject: object).write(
            to: URL(fileURLWithPath: directory + "/config.json"))
    }

    func loadError(_ directory: String) -> ModelError? {
        do {
            _ = try GPT2Model.load(directory: directory)
            return nil
        } catch {
            return error
        }
    }

    /// Writes a model.safetensors holding the fixture's tensors after `edit`.
    func writeWeights(
        _ edit: (inout [(name: String, shape: [Int], values: [Float])]) -> Void
    ) throws {
        let original = try SafeTensorsFile(path: fixture + "/model.safetensors")
        var tensors: [(name: String, shape: [Int], values: [Float])] = try original.tensors.map {
            ($0.name, $0.shape, try original.floats($0.name))
        }
        edit(&tensors)
        var writer = SafeTensorsWriter()
        for (name, shape, values) in tensors { writer.add(name, shape: shape, values: values) }
        try writer.write(to: scratch + "/model.safetensors")
    }

    @Test func aDirectoryWithoutAModelIsNamed() throws {
        #expect(loadError(scratch) == .notAModel(path: scratch, reason: "no config.json"))
        #expect(
            loadError(scratch + "/absent")
                == .notAModel(path: scratch + "/absent", reason: "not a directory"))
        try copyConfig(to: scratch)
        #expect(
            loadError(scratch)
                == .notAModel(
                    path: scratch, reason: "no model.safetensors or model.safetensors.index.json"))
    }

    @Test func unsupportedAndMissingConfigFieldsAreNamed() throws {
        let config = scratch + "/config.json"
        try copyConfig(to: scratch) { $0["model_type"] = "bert" }
        #expect(
            loadError(scratch)
                == .unsupported(path: config, field: "model_type", value: "bert", supported: "gpt2")
        )
        try copyConfig(to: scratch) { $0["activation_function"] = "relu" }
        #expect(
            loadError(scratch)
                == .unsupported(
                    path: config, field: "activation_function", value: "relu",
                    supported: "gelu_new, gelu_pytorch_tanh"))
        try copyConfig(to: scratch) { $0["n_embd"] = nil }
        #expect(loadError(scratch) == .missingField(path: config, field: "n_embd"))
        try copyConfig(to: scratch) { $0["n_head"] = 5 }
        guard case .invalidField(_, "n_head", _) = loadError(scratch) else {
            Issue.record("n_embd 32 with 5 heads accepted")
            return
        }
    }

    @Test func missingUnexpectedAndMisshapenTensorsAreNamed() throws {
        let weights = scratch + "/model.safetensors"
        try copyConfig(to: scratch)
        try writeWeights { $0.removeAll { $0.name == "transformer.ln_f.bias" } }
        #expect(loadError(scratch) == .missingTensor(path: weights, name: "transformer.ln_f.bias"))
        try writeWeights { $0.append(("transformer.h.0.attn.rotary", [2], [0, 0])) }
        #expect(
            loadError(scratch)
                == .unexpectedTensor(path: weights, name: "transformer.h.0.attn.rotary"))
        try writeWeights { tensors in
            let index = tensors.firstIndex { $0.name == "transformer.wpe.weight" }!
            tensors[index] = (
                "transformer.wpe.weight", [16, 32], Array(tensors[index].values.prefix(512))
            )
        }
        #expect(
            loadError(scratch)
                == .shapeMismatch(
                    path: weights, name: "transformer.wpe.weight", expected: [32, 32],
                    found: [16, 32]))
        try writeWeights { _ in }
        #expect(loadError(scratch) == nil)  // the writer's round trip loads
    }

    @Test func inputsOutsideTheModelAreRefused() throws {
        let model = try GPT2Model.load(directory: fixture)
        // Id 96 is past the 96-token vocabulary.
        #expect(throws: ModelError.self) { try model.logits([96], batch: 1, length: 1) }
        #expect(throws: ModelError.badInput("33 tokens exceed the model's context of 32")) {
            try model.logits([Int32](repeating: 1, count: 33), batch: 1, length: 33)
        }
    }
}
