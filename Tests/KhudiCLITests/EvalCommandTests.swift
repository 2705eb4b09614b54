import Foundation
import KhudiModels
import KhudiNN
import KhudiTokenizer
import Testing

/// `khudi-eval perplexity` over a base model and the checkpoints of a `khudi-train` run.
@Suite final class EvalCommandTests {
    let directory = NSTemporaryDirectory() + "khudi-eval-cli-\(UUID().uuidString)"
    let lines = [
        "یہ ایک کتاب ہے۔", "پاکستان ایک خوبصورت ملک ہے۔", "ہم اردو میں لکھتے ہیں۔",
        "کتاب میز پر ہے۔", "یہ ملک ہمارا ہے۔",
    ]

    init() throws {
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true)
        let tokenizer = try ByteLevelTokenizer.train(
            lines: lines, vocabularySize: 300, minimumFrequency: 1)
        var generator = SeededGenerator(seed: 3)
        let model = GPT2Model(
            GPT2Configuration(
                vocabularySize: tokenizer.vocabularySize, contextLength: 32, dimension: 32,
                layerCount: 2, heads: 4),
            generator: &generator)
        try model.save(directory: directory + "/base")
        try tokenizer.tokenizerJSON().write(
            to: URL(fileURLWithPath: directory + "/base/tokenizer.json"))
        let eos = try #require(tokenizer.endOfTextID)
        var tokens: [Int] = []
        for _ in 0..<20 { for line in lines { tokens += tokenizer.encode(line) + [eos] } }
        try TokenShard.encode(
            tokens: tokens, documents: 100, vocabularySize: tokenizer.vocabularySize, eosID: eos
        ).write(to: URL(fileURLWithPath: directory + "/train.bin"))
        try (lines.joined(separator: "\n\n") + "\n").write(
            toFile: directory + "/text.txt", atomically: true, encoding: .utf8)
        try """
        model: {base: base}
        data: {train: [train.bin], validation_fraction: 0}
        train: {mode: full, steps: 40, micro_batch_size: 4, sequence_length: 16,
                learning_rate: 3.0e-3, warmup_steps: 2, checkpoint_interval: 20, keep_checkpoints: 0}
        output: run
        """.write(toFile: directory + "/train.yaml", atomically: true, encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    @Test func scoresABaseAndACheckpointCurve() throws {
        let trained = try ExecutableRunner.run(
            "khudi-train", ["\(directory)/train.yaml", "--threads", "1"])
        #expect(trained.status == 0, "\(trained.stderr)")
        let result = try ExecutableRunner.run(
            "khudi-eval",
            [
                "perplexity", "--model", "\(directory)/base", "--checkpoints",
                "\(directory)/run/checkpoints/step-*", "--text", "\(directory)/text.txt",
                "--output", "\(directory)/eval",
            ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("| model | step | file |"))
        #expect(result.stdout.split(separator: "\n").count == 5)  // header, rule, three rows
        let json = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: "\(directory)/eval/perplexity.json")))
                as? [String: Any])
        let models = try #require(json["models"] as? [[String: Any]])
        #expect(models.map { $0["step"] as? Int } == [nil, 20, 40])
        let losses = try models.map { model in
            try #require((model["files"] as? [[String: Any]])?.first?["loss"] as? Double)
        }
        // Training on these lines lowers their loss well below the untrained model's.
        #expect(losses[2] < losses[1] && losses[1] < losses[0] - 1, "\(losses)")
        for name in ["perplexity.md", "perplexity.svg"] {
            #expect(FileManager.default.fileExists(atPath: "\(directory)/eval/\(name)"))
        }
    }

    @Test func badInputIsNamed() throws {
        let noTokenizer = directory + "/bare"
        var generator = SeededGenerator(seed: 1)
        try GPT2Model(
            GPT2Configuration(
                vocabularySize: 300, contextLength: 8, dimension: 8, layerCount: 1, heads: 2),
            generator: &generator
        ).save(directory: noTokenizer)
        let bare = try ExecutableRunner.run(
            "khudi-eval",
            ["perplexity", "--model", noTokenizer, "--text", "\(directory)/text.txt"])
        #expect(bare.status == 65 && bare.stderr.contains("no tokenizer.json"), "\(bare.stderr)")
        let missing = try ExecutableRunner.run(
            "khudi-eval",
            ["perplexity", "--model", "\(directory)/base", "--text", "\(directory)/none.txt"])
        #expect(missing.status == 66 && missing.stderr.contains("none.txt"))
        let nothing = try ExecutableRunner.run("khudi-eval", ["perplexity", "--text", "x"])
        #expect(nothing.status == 64 && nothing.stderr.contains("--model DIR or --checkpoints"))
    }
}
