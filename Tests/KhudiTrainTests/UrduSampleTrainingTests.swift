import Foundation
import KhudiModels
import KhudiNN
import KhudiTokenizer
import KhudiTrain
import Testing

/// A small Urdu model trained for a few hundred steps on the team-written sample corpus
/// (datasets/sample/urd): its validation loss falls far below the untrained model's.
@Suite struct UrduSampleTrainingTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("datasets/sample/urd")

    @Test func validationLossFallsOnTheUrduSample() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path)
            .filter { $0.hasSuffix(".txt") && $0 != "messy.txt" }.sorted()
        #expect(files.count >= 10)
        // Documents are separated by blank lines.
        var documents: [String] = []
        for file in files {
            let text = try String(
                contentsOf: Self.corpus.appendingPathComponent(file), encoding: .utf8)
            documents += text.components(separatedBy: "\n\n").map {
                $0.trimmingCharacters(in: .whitespacesAndNewlines)
            }.filter { !$0.isEmpty }
        }
        let tokenizer = try ByteLevelTokenizer.train(
            lines: documents.flatMap { $0.split(separator: "\n").map(String.init) },
            vocabularySize: 512)
        let eos = try #require(tokenizer.endOfTextID)
        var tokens: [Int] = []
        for document in documents { tokens += tokenizer.encode(document) + [eos] }
        let directory = TrainingFixtures.scratch("urdu")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let shard = "\(directory)/urd.bin"
        try TokenShard.encode(
            tokens: tokens, documents: documents.count, vocabularySize: tokenizer.vocabularySize,
            eosID: eos
        ).write(to: URL(fileURLWithPath: shard))

        var settings = TrainingConfiguration()
        settings.steps = 300
        settings.microBatchSize = 8
        settings.sequenceLength = 32
        settings.learningRate = 3e-3
        settings.minimumLearningRate = 3e-4
        settings.warmupSteps = 20
        settings.validationFraction = 0.1
        settings.evaluationInterval = 0
        settings.evaluationBatches = 8
        settings.checkpointInterval = 0
        settings.logInterval = 50
        let data = try PackedTokenDataset(paths: [shard], sequenceLength: settings.sequenceLength)
        let model = try TrainingFixtures.llama(
            seed: 8, vocabulary: tokenizer.vocabularySize, hidden: 64, intermediate: 128,
            extra: ["tie_word_embeddings": true])
        try Trainer.prepare(model, for: settings)
        let trainer = try Trainer(
            model: model, configuration: settings, training: data, output: directory)
        let untrained = try #require(try trainer.validationLoss()).loss
        let trained = try #require(try trainer.run().finalValidationLoss)
        // Untrained ≈ ln 512 ≈ 6.2 nats per token.
        #expect(trained < untrained - 1.5, "validation loss \(untrained) → \(trained)")
    }
}
