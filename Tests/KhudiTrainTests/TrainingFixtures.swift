import Foundation
import KhudiModels
import KhudiNN
import KhudiTokenizer
import KhudiTrain

/// Small, fast pieces for training tests: a tiny Llama, token shards with a learnable
/// pattern, and scratch directories.
enum TrainingFixtures {
    static let vocabulary = 48

    static func scratch(_ name: String) -> String {
        let path = NSTemporaryDirectory() + "khudi-train-\(name)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A Llama of two blocks, 4 heads over 2 key/value heads: by default 32 wide with an untied
    /// head over the fixtures' vocabulary; `extra` config.json fields override or add.
    static func llama(
        seed: UInt64 = 5, vocabulary: Int = vocabulary, hidden: Int = 32, intermediate: Int = 64,
        context: Int = 64, extra: [String: Any] = ["rms_norm_eps": 1e-5, "rope_theta": 10000.0]
    ) throws -> LlamaModel {
        var generator = SeededGenerator(seed: seed)
        let fields: [String: Any] = [
            "model_type": "llama", "vocab_size": vocabulary, "hidden_size": hidden,
            "intermediate_size": intermediate, "num_hidden_layers": 2, "num_attention_heads": 4,
            "num_key_value_heads": 2, "max_position_embeddings": context,
            "tie_word_embeddings": false,
        ]
        return LlamaModel(
            try LlamaConfiguration(
                huggingFaceConfig: fields.merging(extra) { _, given in given }, path: "tiny"),
            generator: &generator)
    }

    /// Runs `trainer` to its end and returns every step's loss.
    static func losses(running trainer: Trainer) throws -> [Double] {
        var losses: [Double] = []
        _ = try trainer.run(events: { event in
            if case .step(let report) = event { losses.append(report.loss) }
        })
        return losses
    }

    /// Documents of counting runs ("a, a+1, a+2, …" modulo the alphabet) separated by EOS:
    /// predictable after the first token, so a model can learn it quickly.
    static func countingTokens(documents: Int, seed: UInt64) -> [Int] {
        var generator = SeededGenerator(seed: seed)
        let eos = vocabulary - 1
        var tokens: [Int] = []
        for _ in 0..<documents {
            let start = Int(generator.next() % UInt64(eos))
            let length = 6 + Int(generator.next() % 20)
            tokens += (0..<length).map { (start + $0) % eos } + [eos]
        }
        return tokens
    }

    /// Writes `tokens` as a shard and returns its path.
    static func shard(
        _ tokens: [Int], in directory: String, name: String = "train.bin",
        vocabularySize: Int = vocabulary
    ) throws -> String {
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true)
        let path = "\(directory)/\(name)"
        let documents = tokens.filter { $0 == vocabulary - 1 }.count
        try TokenShard.encode(
            tokens: tokens, documents: documents, vocabularySize: vocabularySize,
            eosID: vocabulary - 1
        ).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Settings for quick runs: short sequences, small batches, no warmup surprises.
    static func settings(steps: Int = 6) -> TrainingConfiguration {
        var c = TrainingConfiguration()
        c.steps = steps
        c.microBatchSize = 4
        c.sequenceLength = 16
        c.learningRate = 3e-3
        c.minimumLearningRate = 3e-4
        c.warmupSteps = 2
        c.evaluationInterval = 0
        c.evaluationBatches = 2
        c.checkpointInterval = 0
        c.logInterval = 1
        c.weightDecay = 0.01
        return c
    }
}
