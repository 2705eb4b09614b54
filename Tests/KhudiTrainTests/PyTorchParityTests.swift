import Foundation
import KhudiModels
import KhudiNN
import KhudiTokenizer
import KhudiTrain
import Testing

/// The same weights, data, schedule and optimizer as scripts/fixtures/make_training_golden.py
/// gave PyTorch (and PEFT): Khudi's step losses equal PyTorch's.
@Suite struct PyTorchParityTests {
    struct Golden: Decodable {
        struct Settings: Decodable {
            var steps: Int
            var microBatchSize: Int
            var gradientAccumulation: Int
            var sequenceLength: Int
            var learningRate: Float
            var minLearningRate: Float
            var warmupSteps: Int
            var weightDecay: Float
            var beta1: Float
            var beta2: Float
            var epsilon: Float
            var gradientClip: Float
        }
        var format: String
        var settings: Settings
        var tokens: [Int]
        var losses: [String: [Double]]
    }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    static let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("KhudiModelsTests/Fixtures")

    @Test(arguments: ["llama-tiny", "gpt2-tiny", "llama-tiny-lora"])
    func lossesMatchPyTorch(_ name: String) throws {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let golden = try decoder.decode(
            Golden.self,
            from: Data(contentsOf: Self.fixtures.appendingPathComponent("training-golden.json")))
        #expect(golden.format == "khudi-training-golden/1")
        let expected = try #require(golden.losses[name])
        let s = golden.settings
        var settings = TrainingConfiguration()
        settings.mode = name.hasSuffix("-lora") ? .lora : .full
        settings.steps = s.steps
        settings.microBatchSize = s.microBatchSize
        settings.gradientAccumulation = s.gradientAccumulation
        settings.sequenceLength = s.sequenceLength
        settings.learningRate = s.learningRate
        settings.minimumLearningRate = s.minLearningRate
        settings.warmupSteps = s.warmupSteps
        settings.weightDecay = s.weightDecay
        settings.beta1 = s.beta1
        settings.beta2 = s.beta2
        settings.epsilon = s.epsilon
        settings.gradientClip = s.gradientClip
        settings.shuffle = false
        settings.validationFraction = 0
        settings.evaluationInterval = 0
        settings.checkpointInterval = 0
        settings.logInterval = 1
        settings.lora.targets = ["q_proj", "k_proj", "v_proj", "o_proj"]

        let output = TrainingFixtures.scratch("parity")
        defer { try? FileManager.default.removeItem(atPath: output) }
        let shard = "\(output)/train.bin"
        try TokenShard.encode(tokens: golden.tokens, documents: 30, vocabularySize: 96, eosID: 95)
            .write(to: URL(fileURLWithPath: shard))
        let data = try PackedTokenDataset(paths: [shard], sequenceLength: s.sequenceLength)
        let base = Self.models.appendingPathComponent(
            name.hasPrefix("gpt2") ? "gpt2-tiny" : "llama-tiny"
        ).path
        let model: any LanguageModel =
            name.hasPrefix("gpt2")
            ? try GPT2Model.load(directory: base) : try LlamaModel.load(directory: base)
        if settings.mode == .lora {
            // PEFT's own initial adapter, so both start from the same A (B is zero).
            try LoRAAdapter.load(
                directory: Self.fixtures.appendingPathComponent("llama-tiny-lora-initial").path,
                into: model)
        }
        try Trainer.prepare(model, for: settings)
        let trainer = try Trainer(
            model: model, configuration: settings, training: data, output: output)
        let losses = try TrainingFixtures.losses(running: trainer)
        #expect(losses.count == expected.count)
        for (step, (found, wanted)) in zip(losses, expected).enumerated() {
            #expect(
                abs(found - wanted) <= 1e-5 * abs(wanted),
                "\(name) step \(step + 1): \(found) vs \(wanted)")
        }
    }
}
