import Foundation
import Testing

/// khudi-clean end to end: the pipeline, its refusals, and the stdin filters.
@Suite final class CleanCommandTests {
    deinit { try? FileManager.default.removeItem(at: folder) }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
        "khudi-cli-\(UUID().uuidString)")

    @Test func cleansTheSampleCorpus() throws {
        let output = folder.appendingPathComponent("out").path
        let result = try ExecutableRunner.run(
            "khudi-clean",
            [
                Self.root.appendingPathComponent("datasets/sample").path, "--output", output,
                "--threads", "2",
            ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("wrote"))
        for file in ["shard-00000.jsonl", "report.json", "report.md"] {
            #expect(FileManager.default.fileExists(atPath: "\(output)/\(file)"), "\(file)")
        }
        let again = try ExecutableRunner.run(
            "khudi-clean",
            [Self.root.appendingPathComponent("datasets/sample/eng").path, "--output", output])
        #expect(again.status == 73)
        #expect(again.stderr.contains("already exists; use --overwrite"))
    }

    @Test func badConfigurationNamesTheLine() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config = folder.appendingPathComponent("clean.yaml")
        try Data("languages: [urd]\nmystery: 1\n".utf8).write(to: config)
        let result = try ExecutableRunner.run(
            "khudi-clean",
            [
                Self.root.appendingPathComponent("datasets/sample/eng").path, "--output",
                folder.appendingPathComponent("o").path, "--config", config.path,
            ])
        #expect(result.status == 78)
        #expect(result.stderr.contains("clean.yaml:2:1: unknown key 'mystery'"))
    }

    @Test func unknownLanguageCodeIsRefused() throws {
        let result = try ExecutableRunner.run(
            "khudi-clean",
            [
                Self.root.appendingPathComponent("datasets/sample/eng").path, "--output",
                folder.appendingPathComponent("o").path, "--languages", "urd,xyz",
            ])
        #expect(result.status == 64)
        #expect(result.stderr.contains("unknown language code 'xyz'"))
    }

    @Test func normalizeIsAFilter() throws {
        let result = try ExecutableRunner.run(
            "khudi-clean", ["normalize", "--lang", "urd"],
            input: Data("ايك\u{200F} كتاب\nسنڌ ۾\n".utf8))
        #expect(result.status == 0)
        #expect(result.stdout == "ایک کتاب\nسنڌ ۾\n")
        let sindhi = try ExecutableRunner.run(
            "khudi-clean", ["normalize", "--lang", "snd"], input: Data("ي ك\n".utf8))
        #expect(sindhi.stdout == "ي ڪ\n")
    }

    @Test func normalizeRejectsInvalidUTF8WithTheLineWhenAsked() throws {
        var bytes = Array("ٹھیک\n".utf8)
        bytes += [0x61, 0xFF, 0x0A]
        let repaired = try ExecutableRunner.run(
            "khudi-clean", ["normalize", "--lang", "none"], input: Data(bytes))
        #expect(repaired.status == 0)
        #expect(repaired.stdout == "ٹھیک\na\u{FFFD}\n")
        #expect(repaired.stderr.contains("repaired 1 invalid UTF-8 sequence"))
        let rejected = try ExecutableRunner.run(
            "khudi-clean", ["normalize", "--lang", "none", "--invalid-utf8", "reject"],
            input: Data(bytes))
        #expect(rejected.status == 65)
        #expect(rejected.stderr.contains("<stdin>:2: invalid UTF-8"))
    }

    @Test func identifyReportsLanguageAndMix() throws {
        let text = try String(
            contentsOf: Self.root.appendingPathComponent("datasets/sample/pbt/sample.txt"),
            encoding: .utf8)
        let result = try ExecutableRunner.run("khudi-clean", ["identify"], input: Data(text.utf8))
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("pbt "))
        let lines = try ExecutableRunner.run(
            "khudi-clean", ["identify", "--lines"],
            input: Data("یہ اردو کا جملہ ہے۔\nThis is English.\n123\n".utf8))
        #expect(
            lines.stdout.split(separator: "\n").map {
                $0.split(separator: "\t").first.map(String.init) ?? ""
            } == ["urd", "eng", "und"])
    }
}
