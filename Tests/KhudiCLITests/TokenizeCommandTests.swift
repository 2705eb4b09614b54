import Foundation
import Testing

@Suite final class TokenizeCommandTests {
    deinit { try? FileManager.default.removeItem(at: folder) }

    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
            "datasets/sample"
        ).path
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
        "khudi-tok-\(UUID().uuidString)")

    @Test func trainsEncodesAndDecodes() throws {
        let output = folder.appendingPathComponent("tok").path
        let trained = try ExecutableRunner.run(
            "khudi-tokenize", ["train", Self.sample, "--output", output, "--vocab-size", "600"])
        #expect(trained.status == 0, "\(trained.stderr)")
        for file in [
            "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "report.json",
        ] {
            #expect(FileManager.default.fileExists(atPath: "\(output)/\(file)"))
        }
        let text = "یہ ایک کتاب ہے۔\nسنڌ ۾ ڪتاب\n"
        let ids = try ExecutableRunner.run(
            "khudi-tokenize", ["encode", "--tokenizer", output, "--ids"], input: Data(text.utf8))
        #expect(ids.status == 0)
        #expect(ids.stdout.split(separator: "\n").count == 2)
        let back = try ExecutableRunner.run(
            "khudi-tokenize", ["decode", "--tokenizer", output], input: Data(ids.stdout.utf8))
        #expect(back.stdout == text)
        let again = try ExecutableRunner.run(
            "khudi-tokenize", ["train", Self.sample, "--output", output, "--vocab-size", "600"])
        #expect(again.status == 73)
        try Data("stale".utf8).write(to: URL(fileURLWithPath: "\(output)/stale.txt"))
        let replaced = try ExecutableRunner.run(
            "khudi-tokenize",
            ["train", Self.sample, "--output", output, "--vocab-size", "600", "--overwrite"])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(output)/stale.txt"))
        #expect(FileManager.default.fileExists(atPath: "\(output)/tokenizer.json"))
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: folder.path)
                .filter { $0.hasPrefix(".tok.") }.isEmpty, "no staging directory left behind")
    }

    @Test(arguments: ["unigram", "bpe"])
    func trainsPieceModelsAndEncodesWithThem(model: String) throws {
        let output = folder.appendingPathComponent(model).path
        let trained = try ExecutableRunner.run(
            "khudi-tokenize",
            ["train", Self.sample, "--output", output, "--vocab-size", "900", "--model", model])
        #expect(trained.status == 0, "\(trained.stderr)")
        let report =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: "\(output)/report.json")))
            as? [String: Any]
        #expect(report?["model"] as? String == model)
        #expect(report?["vocab_size"] as? Int == 900)
        let text = "یہ ایک کتاب ہے۔ 😀\n  دو  جگہ\n"
        let ids = try ExecutableRunner.run(
            "khudi-tokenize", ["encode", "--tokenizer", output, "--ids"], input: Data(text.utf8))
        let back = try ExecutableRunner.run(
            "khudi-tokenize", ["decode", "--tokenizer", output], input: Data(ids.stdout.utf8))
        #expect(back.stdout == text)
        let shards = folder.appendingPathComponent("\(model)-shards").path
        let encoded = try ExecutableRunner.run(
            "khudi-tokenize", ["encode", "--tokenizer", output, Self.sample, "--output", shards])
        #expect(encoded.status == 0, "\(encoded.stderr)")
        // Punctuation glued to words, as SentencePiece: a plain Metaspace pre-tokenizer.
        let glued = folder.appendingPathComponent("\(model)-glued").path
        let gluedRun = try ExecutableRunner.run(
            "khudi-tokenize",
            [
                "train", Self.sample, "--output", glued, "--vocab-size", "900", "--model", model,
                "--no-isolate-punctuation",
            ])
        #expect(gluedRun.status == 0, "\(gluedRun.stderr)")
        let json =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: "\(glued)/tokenizer.json")))
            as? [String: Any]
        #expect((json?["pre_tokenizer"] as? [String: Any])?["type"] as? String == "Metaspace")
    }

    @Test func trainsFromStandardInputAsFromFiles() throws {
        let urdu = "\(Self.sample)/urd"
        let files = try FileManager.default.contentsOfDirectory(atPath: urdu).sorted()
            .filter { $0.hasSuffix(".txt") }
        var text = Data()
        for file in files { text += try Data(contentsOf: URL(fileURLWithPath: "\(urdu)/\(file)")) }
        let fromFiles = folder.appendingPathComponent("files").path
        let fromStdin = folder.appendingPathComponent("stdin").path
        let first = try ExecutableRunner.run(
            "khudi-tokenize", ["train", urdu, "--output", fromFiles, "--vocab-size", "500"])
        let second = try ExecutableRunner.run(
            "khudi-tokenize", ["train", "-", "--output", fromStdin, "--vocab-size", "500"],
            input: text)
        #expect(first.status == 0 && second.status == 0, "\(second.stderr)")
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: "\(fromFiles)/tokenizer.json"))
                == Data(contentsOf: URL(fileURLWithPath: "\(fromStdin)/tokenizer.json")))
    }

    @Test func refusalsAndErrorsAreClear() throws {
        let small = try ExecutableRunner.run(
            "khudi-tokenize",
            [
                "train", Self.sample, "--output", folder.appendingPathComponent("s").path,
                "--vocab-size", "10",
            ])
        #expect(small.status == 65)
        #expect(
            small.stderr.contains(
                "vocabulary size 10 is smaller than the special tokens plus 256 bytes (263)"))
        let badDigits = try ExecutableRunner.run(
            "khudi-tokenize",
            [
                "train", Self.sample, "--output", folder.appendingPathComponent("u").path,
                "--vocab-size", "600", "--max-digits", "4",
            ])
        #expect(badDigits.status == 64)
        #expect(badDigits.stderr.contains("--max-digits must be 1, 2 or 3"))
        let tooShort = try ExecutableRunner.run(
            "khudi-tokenize",
            [
                "train", Self.sample, "--output", folder.appendingPathComponent("m").path,
                "--vocab-size", "600", "--max-token-length", "1",
            ])
        #expect(tooShort.status == 64)
        #expect(tooShort.stderr.contains("--max-token-length must be at least 2 (got 1)"))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let broken = folder.appendingPathComponent("tokenizer.json")
        try Data(#"{"model": {"type": "WordPiece"}}"#.utf8).write(to: broken)
        let bad = try ExecutableRunner.run(
            "khudi-tokenize", ["encode", "--tokenizer", broken.path, "--ids"],
            input: Data("x\n".utf8))
        #expect(bad.status == 65)
        #expect(bad.stderr.contains("unsupported 'model.type'"))
        let help = try ExecutableRunner.run("khudi-tokenize", ["--help"])
        #expect(help.stdout.contains("train --model unigram"))
        let noData = try ExecutableRunner.run(
            "khudi-tokenize", ["eval", "--tokenizer", broken.path])
        #expect(noData.status == 65 || noData.status == 64)
    }
}

extension TokenizeCommandTests {
    /// Sindhi weighted up through a config file's sources gets more of the vocabulary: its text
    /// takes fewer tokens than with equal weights.
    @Test func configSourcesAndLanguageWeightsShapeTheMixture() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config = folder.appendingPathComponent("train.yaml")
        // A relative source path is read relative to the configuration file.
        let corpus = folder.appendingPathComponent("corpus")
        try FileManager.default.createDirectory(at: corpus, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: "\(Self.sample)/snd/sample.txt",
            toPath: corpus.appendingPathComponent("snd.txt").path)
        try Data(
            """
            model: byte-bpe
            vocab_size: 700
            sources:
              - { path: \(Self.sample)/urd, language: urd }
              - { path: corpus/snd.txt, language: snd }
            """.utf8
        ).write(to: config)
        func sindhiTokens(_ extra: [String], name: String) throws -> (Int, [String: Any]) {
            let output = folder.appendingPathComponent(name).path
            let run = try ExecutableRunner.run(
                "khudi-tokenize", ["train", "--config", config.path, "--output", output] + extra)
            #expect(run.status == 0, "\(run.stderr)")
            let sindhi = try String(
                contentsOfFile: "\(Self.sample)/snd/sample.txt", encoding: .utf8)
            let ids = try ExecutableRunner.run(
                "khudi-tokenize", ["encode", "--tokenizer", output, "--ids"],
                input: Data(sindhi.utf8))
            let report =
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: URL(fileURLWithPath: "\(output)/report.json")))
                as? [String: Any] ?? [:]
            return (ids.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).count, report)
        }
        let (equal, equalReport) = try sindhiTokens([], name: "equal")
        let (weighted, weightedReport) = try sindhiTokens(
            ["--language-weight", "snd=8"], name: "weighted")
        #expect(weighted < equal)
        let languages = weightedReport["languages"] as? [[String: Any]] ?? []
        #expect(languages.map { $0["language"] as? String } == ["snd", "urd"])
        #expect(languages.first?["weight"] as? Double == 8)
        #expect(equalReport["vocab_size"] as? Int == 700)
    }

    @Test func configurationErrorsPointAtTheLine() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config = folder.appendingPathComponent("bad.yaml")
        try Data("model: unigram\nvocab_sise: 900\n".utf8).write(to: config)
        let run = try ExecutableRunner.run(
            "khudi-tokenize",
            [
                "train", Self.sample, "--config", config.path, "--output",
                folder.appendingPathComponent("x").path,
            ])
        #expect(run.status == 78)
        #expect(
            run.stderr.contains(
                "bad.yaml:2:1: unknown key 'vocab_sise' (did you mean 'vocab_size'?)"))
        let noSize = try ExecutableRunner.run(
            "khudi-tokenize",
            ["train", Self.sample, "--output", folder.appendingPathComponent("y").path])
        #expect(noSize.status == 64)
        #expect(noSize.stderr.contains("--vocab-size"))
        let badWeight = try ExecutableRunner.run(
            "khudi-tokenize",
            [
                "train", Self.sample, "--vocab-size", "600", "--language-weight", "snd",
                "--output", folder.appendingPathComponent("z").path,
            ])
        #expect(badWeight.status == 64)
        #expect(badWeight.stderr.contains("LANG=WEIGHT"))
    }
}

extension TokenizeCommandTests {
    /// One `eval` run prints the Markdown table and writes the JSON report beside it
    /// (`--json-output`), the same JSON that `--json` prints.
    @Test func evalWritesItsJSONReportWhilePrintingTheTable() throws {
        let output = folder.appendingPathComponent("eval-tok").path
        let trained = try ExecutableRunner.run(
            "khudi-tokenize", ["train", Self.sample, "--output", output, "--vocab-size", "500"])
        #expect(trained.status == 0, "\(trained.stderr)")
        let report = folder.appendingPathComponent("parity.json").path
        let arguments = ["eval", "--tokenizer", output, "--text", "urd=\(Self.sample)/urd"]
        let both = try ExecutableRunner.run(
            "khudi-tokenize", arguments + ["--json-output", report])
        #expect(both.status == 0, "\(both.stderr)")
        #expect(both.stdout.hasPrefix("| tokenizer | language |"))
        let written = try Data(contentsOf: URL(fileURLWithPath: report))
        let results =
            (try JSONSerialization.jsonObject(with: written) as? [String: Any])?["results"]
            as? [[String: Any]]
        #expect(results?.first?["language"] as? String == "urd")
        #expect((results?.first?["fertility"] as? Double ?? 0) > 0)
        let printed = try ExecutableRunner.run("khudi-tokenize", arguments + ["--json"])
        #expect(printed.stdout == String(decoding: written, as: UTF8.self) + "\n")

        // A directory is read file by file (the sample's Urdu folder has 15 files).
        #expect((results?.first?["texts"] as? Int ?? 0) > 15)

        let bad = folder.appendingPathComponent("bad.jsonl")
        try Data("{\"text\": \"ٹھیک\"}\n{not json\n".utf8).write(to: bad)
        let malformed = try ExecutableRunner.run(
            "khudi-tokenize", ["eval", "--tokenizer", output, "--text", "urd=\(bad.path)"])
        #expect(malformed.status == 65)
        #expect(malformed.stderr.contains("bad.jsonl"), "\(malformed.stderr)")
        let empty = folder.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let nothing = try ExecutableRunner.run(
            "khudi-tokenize", ["eval", "--tokenizer", output, "--text", "urd=\(empty.path)"])
        #expect(nothing.status == 65)
        #expect(nothing.stderr.contains("holds no text"), "\(nothing.stderr)")

        let unwritable = try ExecutableRunner.run(
            "khudi-tokenize", arguments + ["--json-output", "/nonexistent-dir/parity.json"])
        #expect(unwritable.status != 0)
        #expect(unwritable.stderr.contains("/nonexistent-dir/parity.json"))
    }
}
