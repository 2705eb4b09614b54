import Foundation
import Testing

/// `khudi model init|show|gguf`: what they write and how they refuse bad input.
@Suite final class ModelCommandTests {
    let directory = NSTemporaryDirectory() + "khudi-model-cli-\(UUID().uuidString)"
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("KhudiModelsTests/Fixtures").path

    init() throws {
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    @Test func initShowAndExport() throws {
        let output = directory + "/model"
        let created = try ExecutableRunner.run(
            "khudi",
            ["model", "init", "--config", fixtures + "/qwen2-tiny/config.json", "--output", output])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.contains("qwen2, 2 layers, 32 wide, 4 heads (2 key/value)"))
        let shown = try ExecutableRunner.run("khudi", ["model", "show", output])
        #expect(shown.status == 0)
        #expect(
            shown.stdout.contains("vocabulary 96") && shown.stdout.contains("end of sequence: 95"))
        let gguf = directory + "/model.gguf"
        let exported = try ExecutableRunner.run(
            "khudi", ["model", "gguf", output, "--output", gguf])
        #expect(exported.status == 0)
        #expect(exported.stderr.contains("no tokenizer.json"))  // warned, still written
        let bytes = try Data(contentsOf: URL(fileURLWithPath: gguf))
        #expect(Array(bytes.prefix(4)) == Array("GGUF".utf8))
        #expect(bytes[4] == 3)  // version 3, little-endian
    }

    /// `khudi model merge` writes a standalone model whose greedy text is the adapted
    /// model's; a bad adapter is refused with nothing written.
    @Test func mergeFoldsAnAdapterIn() throws {
        let merged = directory + "/merged"
        let result = try ExecutableRunner.run(
            "khudi",
            [
                "model", "merge", fixtures + "/llama-tiny", "--adapter",
                fixtures + "/llama-tiny-lora", "--output", merged,
            ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("6 layers merged"))
        let shown = try ExecutableRunner.run("khudi", ["model", "show", merged])
        #expect(
            shown.status == 0 && shown.stdout.contains("end of sequence: 95"), "\(shown.stdout)")
        let refused = try ExecutableRunner.run(
            "khudi",
            [
                "model", "merge", fixtures + "/llama-tiny", "--adapter",
                fixtures + "/gpt2-tiny-lora",
                "--output", directory + "/wrong",
            ])
        #expect(
            refused.status == 65 && refused.stderr.contains("target_modules"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/wrong"))
    }

    @Test func badInputIsRefusedWithItsExitStatus() throws {
        let config = directory + "/config.json"
        try #"{"model_type": "llama", "hidden_size": 32}"#.write(
            toFile: config, atomically: true, encoding: .utf8)
        let incomplete = try ExecutableRunner.run(
            "khudi", ["model", "init", "--config", config, "--output", directory + "/x"])
        #expect(incomplete.status == 65)
        #expect(incomplete.stderr.contains("\(config): missing field 'vocab_size'"))
        let missing = try ExecutableRunner.run("khudi", ["model", "show", "/nonexistent/model"])
        #expect(missing.status == 66)
        let empty = directory + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let notModel = try ExecutableRunner.run("khudi", ["model", "show", empty])
        #expect(notModel.status == 65)
        #expect(notModel.stderr.contains("not a model directory"))
        let dtype = try ExecutableRunner.run(
            "khudi",
            [
                "model", "gguf", fixtures + "/gpt2-tiny", "--output", directory + "/g.gguf",
                "--dtype", "q4",
            ])
        #expect(dtype.status == 64)
        let exists = try ExecutableRunner.run(
            "khudi", ["model", "gguf", fixtures + "/gpt2-tiny", "--output", config])
        #expect(exists.status == 73)
    }
}
