import Foundation
import KhudiCorpus
import KhudiText
import Testing

/// The whole cleaning stage on inputs made in a temporary folder, including every kind of bad
/// input the stage must survive: nothing crashes, nothing is dropped without a count.
@Suite final class CleaningPipelineTests {
    deinit { try? FileManager.default.removeItem(at: folder) }

    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
            "datasets/sample/urd")

    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "khudi-clean-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    func write(_ name: String, _ text: String) throws -> String {
        try write(name, Array(text.utf8))
    }

    static func documents(_ file: String) throws -> [String] {
        try String(contentsOf: sample.appendingPathComponent(file), encoding: .utf8).components(
            separatedBy: "\n\n")
    }

    func pipeline(
        _ configure: (inout CleaningConfiguration) -> Void = { _ in }
    ) throws -> CleaningPipeline {
        var configuration = CleaningConfiguration()
        configure(&configuration)
        return CleaningPipeline(
            configuration: configuration, identifier: try LanguageIdentifier.bundled(), threads: 2)
    }

    static func shardRecords(_ directory: URL) throws -> [[String: Any]] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
            $0.hasPrefix("shard-")
        }.sorted()
        return try names.flatMap { name in
            try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8).split(
                separator: "\n"
            ).map {
                try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
            }
        }
    }

    @Test func cleansDeduplicatesAndReports() throws {
        let docs = try Self.documents("society.txt") + Self.documents("health.txt")
        let a = try write("a.txt", docs.joined(separator: "\n\n"))
        // b.jsonl repeats the first document exactly and the second with one word changed.
        let nearCopy = docs[1].replacingOccurrences(of: "اسپتال", with: "ہسپتال")
        let lines = [docs[0], nearCopy].map {
            "{\"text\": \(String(decoding: try! JSONSerialization.data(withJSONObject: [$0]), as: UTF8.self).dropFirst().dropLast())}"
        }
        let b = try write("b.jsonl", lines.joined(separator: "\n") + "\n")
        let output = folder.appendingPathComponent("out")
        let report = try pipeline().run(inputs: [a, b], output: output.path, overwrite: false)

        #expect(report.documentsIn == docs.count + 2)
        #expect(report.dedup.exactDuplicates == 1)
        #expect(report.dedup.nearDuplicates == 1)
        #expect(report.documentsOut == docs.count)
        let records = try Self.shardRecords(output)
        #expect(records.count == docs.count)
        for record in records {
            #expect(record["lang"] as? String == "urd")
            #expect((record["lang_score"] as? Double ?? 0) > 0.8)
            #expect(
                record["id"] is String && record["source"] is String && record["text"] is String)
        }
        #expect(records.contains { ($0["minhash_cluster_size"] as? Int) == 2 })
        let json =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: output.appendingPathComponent("report.json")))
            as? [String: Any]
        #expect(json?["documentsOut"] as? Int == docs.count)
        #expect(
            try String(contentsOf: output.appendingPathComponent("report.md"), encoding: .utf8)
                .contains("## Deduplication"))
    }

    @Test func badInputsAreCountedNeverFatal() throws {
        let good = try Self.documents("society.txt")[0]
        var invalid = Array(good.utf8)
        invalid.insert(contentsOf: [0xFF, 0xFE], at: 10)
        let files = [
            try write("invalid.txt", invalid),
            try write("binary.txt", [0x00, 0x01, 0x02, 0x89, 0x50, 0x4E, 0x47]),
            try write("empty.txt", ""),
            try write(
                "broken.jsonl", "{\"text\": \"\(good.prefix(50))\"}\n{not json\n{\"other\": 1}\n"),
            try write("huge.txt", String(repeating: "ا", count: 3_000_000)),
            folder.appendingPathComponent("vanished.txt").path,
        ]
        let output = folder.appendingPathComponent("out")
        let report = try pipeline { $0.maximumCharacters = 100_000 }.run(
            inputs: files, output: output.path, overwrite: false)
        #expect(report.invalidUTF8Repaired == 2, "0xFF and 0xFE are two bad sequences")
        #expect(report.inputIssues["binary_file"] == 1)
        #expect(report.inputIssues["empty_file"] == 1)
        #expect(report.inputIssues["malformed_json"] == 1)
        #expect(report.inputIssues["missing_text_field"] == 1)
        #expect(report.inputIssues["unreadable_file"] == 1)
        #expect(
            report.inputIssueMessages.contains {
                $0.contains("broken.jsonl:2: malformed JSON line")
            })
        #expect(report.dropped["too_long"]?.documents == 1)
        #expect(report.documentsOut == 1, "the repaired document survives")
        #expect(
            report.documentsIn == report.documentsOut
                + report.dropped.values.reduce(0) { $0 + $1.documents })
    }

    @Test func rejectingInvalidUTF8DropsAndCounts() throws {
        var invalid = Array(try Self.documents("society.txt")[0].utf8)
        invalid.append(0xC3)
        let path = try write("invalid.txt", invalid)
        let report = try pipeline { $0.rejectsInvalidUTF8 = true }.run(
            inputs: [path], output: folder.appendingPathComponent("out").path, overwrite: false)
        #expect(report.dropped["invalid_utf8"]?.documents == 1)
        #expect(report.documentsOut == 0)
    }

    @Test func existingOutputIsRefusedUnlessOverwriting() throws {
        let path = try write("a.txt", try Self.documents("society.txt")[0])
        let output = folder.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: output.appendingPathComponent("old.txt"))
        #expect(throws: CleaningError.outputExists(output.path)) {
            try pipeline().run(inputs: [path], output: output.path, overwrite: false)
        }
        #expect(
            FileManager.default.fileExists(atPath: output.appendingPathComponent("old.txt").path),
            "nothing lost")
        _ = try pipeline().run(inputs: [path], output: output.path, overwrite: true)
        #expect(
            !FileManager.default.fileExists(atPath: output.appendingPathComponent("old.txt").path))
        #expect(
            FileManager.default.fileExists(
                atPath: output.appendingPathComponent("shard-00000.jsonl").path))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
            $0.hasPrefix(".out.")
        }
        #expect(leftovers.isEmpty, "no staging directory left behind")
    }

    @Test func languageAllowListAndLineDocuments() throws {
        let urdu = try Self.documents("society.txt")[0].replacingOccurrences(of: "\n", with: " ")
        let english = String(
            repeating:
                "The village school runs on very little and the children learn to read and write with care. ",
            count: 6)
        let path = try write("lines.txt", urdu + "\n" + english + "\n")
        let report = try pipeline {
            $0.lineDocuments = true
            $0.languages = [.urdu]
        }.run(inputs: [path], output: folder.appendingPathComponent("out").path, overwrite: false)
        #expect(report.documentsIn == 2)
        #expect(report.dropped["language_not_allowed"]?.documents == 1)
        #expect(report.languages["eng"]?.documentsIn == 1)
    }

    @Test func gzipInputIsRead() throws {
        let plain = try write("doc.txt", try Self.documents("society.txt")[0])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", plain]
        try process.run()
        process.waitUntilExit()
        let report = try pipeline().run(
            inputs: [plain + ".gz"], output: folder.appendingPathComponent("out").path,
            overwrite: false)
        #expect(report.documentsIn == 1)
        #expect(report.documentsOut == 1)
    }

    @Test func configurationErrorsNameFileLineAndColumn() {
        #expect(
            throws: ConfigurationError(
                path: "c.yaml", line: 2, column: 1,
                message:
                    "unknown key 'languagez' (did you mean 'languages'?); known: dedup, filters, invalid_utf8, languages, line_docs, max_chars, min_chars, normalize, pii, shard_documents, text_field, thresholds, write_rejected, zwnj"
            )
        ) {
            try CleaningConfiguration.load(
                yaml: "min_chars: 10\nlanguagez: [urd]\n", path: "c.yaml")
        }
        #expect(
            throws: ConfigurationError(
                path: "c.yaml", line: 1, column: 18,
                message:
                    "unknown language code 'xx' (known: urd, snd, pbt, pnb, skr, bal, kas, fas, arb, eng, urd_Latn)"
            )
        ) {
            try CleaningConfiguration.load(yaml: "languages: [urd, xx]\n", path: "c.yaml")
        }
        #expect(
            throws: ConfigurationError(
                path: "c.yaml", line: 1, column: 37, message: "expected true or false, got 'maybe'")
        ) {
            try CleaningConfiguration.load(
                yaml: "filters: { c4: yes, gopher_quality: maybe }\n", path: "c.yaml")
        }
    }

    @Test func configurationOverridesDefaults() throws {
        let configuration = try CleaningConfiguration.load(
            yaml:
                "languages: [urd, snd]\nthresholds:\n  urd: { duplicate_line_fraction: 0.5 }\ndedup: { bands: 20, rows: 5 }\npii: [email]\n",
            path: "c.yaml")
        #expect(configuration.languages == [.urdu, .sindhi])
        #expect(configuration.filterThresholds(for: .urdu).duplicateLineFraction == 0.5)
        #expect(
            configuration.filterThresholds(for: .urdu).linePunctuation == 0.1,
            "other fields keep FineWeb-2's value")
        #expect(configuration.bands == 20 && configuration.rows == 5)
        #expect(configuration.pii == [.email])
    }
}
