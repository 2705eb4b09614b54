import Foundation
import KhudiModels
import KhudiNN
import KhudiTokenizer
import Testing

/// `khudi generate` on a small random GPT-2 saved with a byte-level tokenizer trained here.
@Suite final class GenerateCommandTests {
    let directory = NSTemporaryDirectory() + "khudi-generate-\(UUID().uuidString)"
    let tokenizer: ByteLevelTokenizer
    let model: GPT2Model

    init() throws {
        let lines = [
            "یہ ایک کتاب ہے۔", "پاکستان ایک خوبصورت ملک ہے۔", "ہم اردو میں لکھتے ہیں۔",
            "کتاب میز پر ہے۔", "یہ ملک ہمارا ہے۔",
        ]
        tokenizer = try ByteLevelTokenizer.train(
            lines: lines, vocabularySize: 300, minimumFrequency: 1)
        var generator = SeededGenerator(seed: 3)
        model = GPT2Model(
            GPT2Configuration(
                vocabularySize: tokenizer.vocabularySize, contextLength: 64, dimension: 32,
                layerCount: 2, heads: 4),
            generator: &generator)
        try model.save(directory: directory)
        try tokenizer.tokenizerJSON().write(to: URL(fileURLWithPath: directory + "/tokenizer.json"))
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// What the library generates greedily for `prompt`, as text.
    func expected(_ prompt: String, tokens: Int) throws -> String {
        var options = GenerationOptions()
        options.maximumNewTokens = tokens
        options.stopTokens = tokenizer.endOfTextID.map { [Int32($0)] } ?? []
        let ids = tokenizer.encode(prompt).map(Int32.init)
        let output = try Generator(model: model, options: options).generate([ids])[0]
        return tokenizer.decode(output.map(Int.init))
    }

    @Test func streamsTheGreedyContinuation() throws {
        let result = try ExecutableRunner.run(
            "khudi",
            ["generate", "--model", directory, "--prompt", "یہ ایک", "--max-new-tokens", "12"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == (try expected("یہ ایک", tokens: 12)) + "\n")
        #expect(result.stderr.contains("gpt2, 2 layers, 32 wide, 4 heads"))
    }

    /// `--adapter` applies a PEFT LoRA adapter: the text is what the library generates with
    /// the adapter attached, and a directory that is not an adapter is refused by name.
    @Test func adaptersApply() throws {
        var generator = SeededGenerator(seed: 9)
        for (_, layer, _) in model.linearLayers.prefix(3) {
            layer.attachLoRA(rank: 2, alpha: 4, generator: &generator)
            let b = layer.lora!.b
            for i in 0..<b.count { b.data[i] = Float(i % 7) * 0.05 - 0.15 }
        }
        let adapter = directory + "/adapter"
        try LoRAAdapter.save(from: model, directory: adapter)
        let result = try ExecutableRunner.run(
            "khudi",
            [
                "generate", "--model", directory, "--adapter", adapter, "--prompt", "یہ ایک",
                "--max-new-tokens", "12",
            ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == (try expected("یہ ایک", tokens: 12)) + "\n")
        #expect(result.stderr.contains("LoRA on 3 layers"))
        let refused = try ExecutableRunner.run(
            "khudi", ["generate", "--model", directory, "--adapter", directory, "--prompt", "یہ"])
        #expect(
            refused.status == 65 && refused.stderr.contains("adapter_config.json"),
            "\(refused.stderr)")
    }

    @Test func bfloat16DecodingRuns() throws {
        let result = try ExecutableRunner.run(
            "khudi",
            [
                "generate", "--model", directory, "--prompt", "یہ ایک", "--max-new-tokens", "6",
                "--bfloat16",
            ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasSuffix("\n") && result.stdout.count > 1)
    }

    @Test func stopStringsCutTheText() throws {
        let full = try expected("کتاب", tokens: 12)
        let scalars = Array(full.unicodeScalars)
        try #require(scalars.count >= 4)
        let stop = String(String.UnicodeScalarView(scalars[2..<4]))
        let result = try ExecutableRunner.run(
            "khudi",
            [
                "generate", "--model", directory, "--prompt", "کتاب", "--max-new-tokens", "12",
                "--stop", stop,
            ])
        #expect(result.status == 0)
        #expect(result.stdout == String(full[..<full.range(of: stop)!.lowerBound]) + "\n")
    }

    @Test func promptsFromAFileGiveOneLineEach() throws {
        let file = directory + "/prompts.txt"
        try "یہ\nپاکستان\n".write(toFile: file, atomically: true, encoding: .utf8)
        let result = try ExecutableRunner.run(
            "khudi", ["generate", "--model", directory, "--prompts", file, "--max-new-tokens", "5"])
        #expect(result.status == 0)
        let escape = { (text: String) in text.replacingOccurrences(of: "\n", with: "\\n") }
        #expect(
            result.stdout
                == escape(try expected("یہ", tokens: 5)) + "\n"
                + escape(try expected("پاکستان", tokens: 5))
                + "\n")
    }

    /// With several prompts (no streaming) a stop string still ends each line where it occurs.
    @Test func stopStringsCutEachPromptsLine() throws {
        let full = try expected("کتاب", tokens: 12)
        let scalars = Array(full.unicodeScalars)
        try #require(scalars.count >= 5)
        let stop = String(String.UnicodeScalarView(scalars[3..<5]))
        let file = directory + "/prompts.txt"
        try "کتاب\nکتاب\n".write(toFile: file, atomically: true, encoding: .utf8)
        let result = try ExecutableRunner.run(
            "khudi",
            [
                "generate", "--model", directory, "--prompts", file, "--max-new-tokens", "12",
                "--stop", stop,
            ])
        #expect(result.status == 0, "\(result.stderr)")
        let cut = String(full[..<full.range(of: stop)!.lowerBound])
            .replacingOccurrences(of: "\n", with: "\\n")
        #expect(result.stdout == cut + "\n" + cut + "\n")
    }

    @Test func badInputIsRefusedWithItsExitStatus() throws {
        let noPrompt = try ExecutableRunner.run("khudi", ["generate", "--model", directory])
        #expect(noPrompt.status == 64)
        let missing = try ExecutableRunner.run(
            "khudi", ["generate", "--model", "/nonexistent", "--prompt", "x"])
        #expect(missing.status == 66)

        let bare = directory + "/bare"
        try model.save(directory: bare)
        let untokenized = try ExecutableRunner.run(
            "khudi", ["generate", "--model", bare, "--prompt", "x"])
        #expect(untokenized.status == 65)
        #expect(untokenized.stderr.contains("has no tokenizer.json"))

        // A tokenizer with ids past the model's embedding.
        let small = directory + "/small"
        var generator = SeededGenerator(seed: 4)
        try GPT2Model(
            GPT2Configuration(
                vocabularySize: 280, contextLength: 16, dimension: 8, layerCount: 1, heads: 2),
            generator: &generator
        ).save(directory: small)
        try tokenizer.tokenizerJSON().write(to: URL(fileURLWithPath: small + "/tokenizer.json"))
        let mismatch = try ExecutableRunner.run(
            "khudi", ["generate", "--model", small, "--prompt", "x"])
        #expect(mismatch.status == 65)
        #expect(
            mismatch.stderr.contains(
                "the tokenizer has 300 tokens but the model's embedding only 280"))

        let sampling = try ExecutableRunner.run(
            "khudi", ["generate", "--model", directory, "--prompt", "x", "--top-p", "0"])
        #expect(sampling.status == 65)
        #expect(sampling.stderr.contains("top-p must be in (0, 1]"))
    }
}
