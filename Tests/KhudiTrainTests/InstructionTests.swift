import Foundation
import KhudiModels
import KhudiNN
import KhudiTokenizer
import KhudiTrain
import Testing

@Suite struct InstructionTests {
    static let conversation: [ChatTemplate.Message] = [
        .init(role: "system", content: "مختصر جواب دیں۔"),
        .init(role: "user", content: "پاکستان کا دارالحکومت؟"),
        .init(role: "assistant", content: "اسلام آباد۔"),
    ]

    /// The exact text each template gives (scripts/checks/test_chat_template_interop.py checks
    /// that transformers' apply_chat_template renders the same from the Jinja form).
    @Test func templatesRenderTheDocumentedText() {
        #expect(
            ChatTemplate.khudi.render(Self.conversation, endOfSequence: "<|eos|>")
                == "<|system|>\nمختصر جواب دیں۔\n<|user|>\nپاکستان کا دارالحکومت؟\n<|assistant|>\nاسلام آباد۔<|eos|>\n"
        )
        #expect(
            ChatTemplate.chatml.render(Self.conversation, endOfSequence: "<|eos|>")
                == "<|im_start|>system\nمختصر جواب دیں۔<|im_end|>\n<|im_start|>user\nپاکستان کا دارالحکومت؟<|im_end|>\n<|im_start|>assistant\nاسلام آباد۔<|im_end|>\n"
        )
    }

    func tokenizer() throws -> ByteLevelTokenizer {
        try ByteLevelTokenizer.train(
            lines: [
                "پاکستان کا دارالحکومت اسلام آباد ہے۔", "مختصر جواب دیں۔", "Lahore is a city.",
            ],
            vocabularySize: 300, minimumFrequency: 1)
    }

    func write(_ lines: [String], in directory: String, name: String = "sft.jsonl") throws -> String
    {
        let path = "\(directory)/\(name)"
        try (lines.joined(separator: "\n") + "\n").write(
            toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Loss falls exactly on each response and the EOS that ends it; prompts and padding carry
    /// none; both line formats are read.
    @Test func lossFallsOnlyOnResponses() throws {
        let directory = TrainingFixtures.scratch("sft")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tokenizer = try tokenizer()
        let path = try write(
            [
                #"{"instruction": "دارالحکومت؟", "input": "پاکستان", "output": "اسلام آباد۔"}"#,
                #"{"messages": [{"role": "user", "content": "city?"}, {"role": "assistant", "content": "Lahore"}, {"role": "user", "content": "again"}, {"role": "assistant", "content": "Lahore is a city."}]}"#,
            ], in: directory)
        let data = try InstructionDataset(
            paths: [path], tokenizer: tokenizer, template: .khudi, sequenceLength: 64)
        #expect(data.sequenceCount == 2 && data.truncated == 0)
        let eos = try #require(tokenizer.endOfTextID)
        var trained: [[Int]] = []
        for index in 0..<2 {
            var inputs: [Int32] = []
            var targets: [Int32] = []
            data.appendSequence(index, inputs: &inputs, targets: &targets)
            #expect(inputs.count == 64 && targets.count == 64)
            // Targets are the inputs shifted by one wherever they carry loss.
            for position in 0..<63 where targets[position] != -100 {
                #expect(targets[position] == inputs[position + 1])
            }
            trained.append(targets.filter { $0 != -100 }.map(Int.init))
        }
        #expect(tokenizer.decode(trained[0]) == "اسلام آباد۔<|eos|>")
        #expect(tokenizer.decode(trained[1]) == "Lahore<|eos|>Lahore is a city.<|eos|>")
        #expect(trained.allSatisfy { $0.last == eos })
        #expect(data.trainedTokenCount == trained[0].count + trained[1].count)
    }

    @Test func badLinesAreNamedByFileAndLine() throws {
        let directory = TrainingFixtures.scratch("sft-bad")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tokenizer = try tokenizer()
        let cases = [
            ("{not json", "not a JSON object"),
            (#"{"messages": [{"role": "bot", "content": "x"}]}"#, "role must be one of"),
            (#"{"messages": [{"role": "user", "content": "x"}]}"#, "no assistant message"),
            (#"{"instruction": "x"}"#, "expected 'messages', or 'instruction' and 'output'"),
        ]
        for (line, reason) in cases {
            let path = try write([#"{"instruction": "a", "output": "b"}"#, line], in: directory)
            #expect {
                try InstructionDataset(
                    paths: [path], tokenizer: tokenizer, template: .khudi, sequenceLength: 16)
            } throws: { error in
                guard case .data(let place, let found) = error as? TrainingError else {
                    return false
                }
                return place == "\(path):2" && found.contains(reason)
            }
        }
        let long = try write(
            [
                #"{"instruction": "a", "output": "Lahore is a city. Lahore is a city. Lahore is a city."}"#
            ],
            in: directory, name: "long.jsonl")
        let cut = try InstructionDataset(
            paths: [long], tokenizer: tokenizer, template: .khudi, sequenceLength: 8)
        #expect(cut.truncated == 1)
    }

    /// Supervised fine-tuning through the trainer: the response loss falls.
    @Test func fineTuningOnInstructionsLowersTheLoss() throws {
        let directory = TrainingFixtures.scratch("sft-train")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tokenizer = try tokenizer()
        let path = try write(
            (0..<8).map { i in
                #"{"instruction": "شہر \#(i)؟", "output": "\#(i % 2 == 0 ? "اسلام آباد" : "Lahore is a city.")"}"#
            }, in: directory)
        let data = try InstructionDataset(
            paths: [path], tokenizer: tokenizer, template: .khudi, sequenceLength: 24)
        var settings = TrainingFixtures.settings(steps: 40)
        settings.sequenceLength = 24
        settings.validationFraction = 0
        let model = try TrainingFixtures.llama(
            seed: 3, vocabulary: tokenizer.vocabularySize, context: 32, extra: [:])
        try Trainer.prepare(model, for: settings)
        let trainer = try Trainer(
            model: model, configuration: settings, training: data, output: directory)
        let losses = try TrainingFixtures.losses(running: trainer)
        #expect(losses.count == 40)
        let first: Double = losses.prefix(5).reduce(0, +)
        let last: Double = losses.suffix(5).reduce(0, +)
        #expect(last < 0.5 * first, "\(losses)")
    }
}
