import ArgumentParser
import Foundation
import KhudiCLI
import KhudiCorpus
import KhudiText

/// Throughput of each cleaning step alone and of the whole stage, on one input file.
struct CleanBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clean",
        abstract: "MB/s of normalize, identify, filter, PII, dedup and end to end (JSON lines).")

    @Argument(help: "A .txt corpus (documents separated by blank lines).")
    var input: String

    @Option(help: "Read at most this many bytes of the input.")
    var maxBytes: Int = 20_000_000

    @OptionGroup var threadOptions: ThreadOptions

    func run() throws {
        let threads = threadOptions.apply()
        var documents: [String] = []
        var bytes = 0
        try DocumentReader().read(
            input,
            document: { raw in
                guard bytes < maxBytes else { return }
                bytes += raw.bytes.count
                documents.append(String(decoding: raw.bytes, as: UTF8.self))
            }, issue: { _ in })
        let megabytes = Double(bytes) / 1e6
        func emit(_ step: String, _ seconds: Double) {
            let line: [String: Any] = [
                "bench": "clean", "step": step, "megabytes": megabytes, "seconds": seconds,
                "mb_per_s": megabytes / seconds, "threads": threads,
            ]
            let data =
                (try? JSONSerialization.data(withJSONObject: line, options: [.sortedKeys]))
                ?? Data()
            print(String(decoding: data, as: UTF8.self))
        }
        func time(_ body: () throws -> Void) rethrows -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        let script = ScriptNormalizer()
        let urdu = LanguageNormalizer(language: .urdu)
        var normalized: [String] = []
        emit(
            "normalize",
            time { normalized = documents.map { urdu.normalize(script.normalize($0)) } })
        let identifier = try LanguageIdentifier.bundled()
        emit(
            "identify",
            time {
                var cache = WordScoreCache()
                for text in normalized {
                    _ = identifier.identifyDocument(text, isNormalized: true, cache: &cache)
                }
            })
        let filters = QualityFilters(thresholds: .defaults(for: .urdu))
        emit("filter", time { for text in normalized { _ = filters.check(text) } })
        let redactor = PIIRedactor()
        emit("pii", time { for text in normalized { _ = redactor.redact(text) } })
        let hasher = MinHasher()
        emit(
            "dedup",
            time {
                var exact = ExactDeduplicator()
                var index = NearDuplicateIndex(bands: hasher.bands)
                for text in normalized {
                    _ = exact.isFirst(text)
                    if let bands = hasher.bandHashes(wordHashes: TextSimplifier.wordHashes(text)) {
                        index.insert(bands)
                    }
                }
            })
        let output = FileManager.default.temporaryDirectory.appendingPathComponent(
            "khudi-bench-clean-\(getpid())"
        ).path
        let pipeline = CleaningPipeline(
            configuration: CleaningConfiguration(), identifier: identifier, threads: threads)
        let slice = FileManager.default.temporaryDirectory.appendingPathComponent(
            "khudi-bench-input-\(getpid()).txt")
        try Data(documents.joined(separator: "\n\n").utf8).write(to: slice)
        defer {
            try? FileManager.default.removeItem(atPath: output)
            try? FileManager.default.removeItem(at: slice)
        }
        emit(
            "end_to_end",
            try time { _ = try pipeline.run(inputs: [slice.path], output: output, overwrite: true) }
        )
    }
}
