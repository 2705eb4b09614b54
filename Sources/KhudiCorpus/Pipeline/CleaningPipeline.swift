import Foundation
import KhudiText
import Synchronization

/// The cleaning stage: reads documents, normalizes them (script level, then per language),
/// identifies their language, redacts personal data, filters, removes exact and near
/// duplicates, and writes `shard-NNNNN.jsonl` files with `report.json` and `report.md`.
///
/// Two passes keep memory bounded: the first streams every document through the per-document
/// work (in parallel batches, merged in input order so results never depend on threads) and
/// spools survivors to disk while building the MinHash index; the second keeps one document
/// per near-duplicate cluster. Only the dedup index grows with the corpus (reported).
/// Everything is written into a staging directory renamed into place at the end, so a crash
/// never leaves a half-written output under the final name.
public final class CleaningPipeline {
    public struct Progress: Sendable {
        public var bytesRead: Int
        public var totalBytes: Int
        public var documentsRead: Int
        public var documentsKept: Int
        public var seconds: Double
    }

    public let configuration: CleaningConfiguration
    public let identifier: LanguageIdentifier
    public var threads: Int
    public var khudiVersion = "dev"
    private let script: ScriptNormalizer
    /// One per language, made once (each holds tables a document should not rebuild).
    private let languageNormalizers: [Language: LanguageNormalizer]
    private let redactor: PIIRedactor
    private let hasher: MinHasher
    /// Language identification's word scores, one cache per worker thread, kept across
    /// batches (they change speed only, never a result).
    private var wordCaches: [WordScoreCache] = []

    public init(
        configuration: CleaningConfiguration, identifier: LanguageIdentifier, threads: Int = 1
    ) {
        self.configuration = configuration
        self.identifier = identifier
        self.threads = max(1, threads)
        script = ScriptNormalizer(honorifics: configuration.honorifics)
        languageNormalizers = Dictionary(
            uniqueKeysWithValues: Language.allCases.map { language in
                (
                    language,
                    LanguageNormalizer(
                        language: language, digits: configuration.digits,
                        zwnj: configuration.zwnj[language],
                        stripsDiacritics: configuration.stripsDiacritics)
                )
            })
        redactor = PIIRedactor(kinds: configuration.pii)
        hasher = MinHasher(
            bands: configuration.bands, rows: configuration.rows, ngram: configuration.ngram)
    }

    // MARK: - One document

    struct Kept {
        var text: String
        var language: Language
        var score: Double
        var pii: [PIIRedactor.Kind: Int]
        var bands: [UInt64]?
        /// The shard record's UTF-8 without its closing brace (built here, in parallel).
        var record: [UInt8]
    }

    struct Outcome {
        var raw: RawDocument
        var language = "und"
        var repaired = 0
        var kept: Kept?
        var rule = ""
        var detail = ""
        var text = ""
    }

    /// Everything done to one document that needs no other document.
    func process(_ raw: RawDocument, cache: inout WordScoreCache) -> Outcome {
        var outcome = Outcome(raw: raw)
        func drop(_ rule: String, _ detail: String, _ text: String) -> Outcome {
            outcome.rule = rule
            outcome.detail = detail
            outcome.text = text
            return outcome
        }
        // Valid UTF-8 of the common kind goes straight from its bytes through the script
        // normalizer, which checks it as it reads (decoding it into a String first validated
        // every byte twice: 2% of a run). The rest is decoded, repaired and counted first.
        let maximumBytes = configuration.maximumCharacters * 4
        let clean: String
        if raw.bytes.count <= maximumBytes,
            let normalized = raw.bytes.withUnsafeBufferPointer({ script.normalize(utf8: $0) })
        {
            clean = normalized
        } else {
            let (decoded, invalid) = TextDecoding.decode(raw.bytes)
            outcome.repaired = invalid
            if invalid > 0 && configuration.rejectsInvalidUTF8 {
                return drop("invalid_utf8", "\(invalid) invalid UTF-8 sequence(s)", decoded)
            }
            // Checked before the expensive steps too: a line of many megabytes is dropped (and
            // counted) without being normalized or identified.
            if decoded.utf8.count > maximumBytes {
                return drop(
                    "too_long",
                    "\(decoded.utf8.count) bytes, over \(configuration.maximumCharacters) characters",
                    String(decoded.prefix(300)))
            }
            clean = script.normalize(decoded)
        }
        guard !clean.isEmpty else {
            return drop(
                "empty", "nothing left after normalization",
                TextDecoding.decode(raw.bytes).text)
        }
        guard
            let identification = identifier.identifyDocument(
                clean, isNormalized: true, cache: &cache)
        else {
            return drop("no_letters", "no letters to identify a language from", clean)
        }
        let language = identification.language
        outcome.language = language.code
        if let allowed = configuration.languages, !allowed.contains(language) {
            return drop("language_not_allowed", "identified as \(language.code)", clean)
        }
        let thresholds = configuration.filterThresholds(for: language)
        if identification.confidence < thresholds.languageScore {
            return drop(
                "low_language_score",
                String(
                    format: "%@ score %.3f < %.3f", language.code, identification.confidence,
                    thresholds.languageScore), clean)
        }
        var text = languageNormalizers[language]?.normalize(clean) ?? clean
        let (redacted, pii) = redactor.redact(text)
        text = redacted
        var census = TextCensus(text)
        let characters = census.scalars
        if characters < configuration.minimumCharacters {
            return drop(
                "too_short", "\(characters) characters < \(configuration.minimumCharacters)", text)
        }
        if characters > configuration.maximumCharacters {
            return drop(
                "too_long", "\(characters) characters > \(configuration.maximumCharacters)", text)
        }
        if configuration.c4 {
            switch C4LineFilter().apply(text) {
            case .success(let result):
                // Counted again: comparing the texts would cost as much as the count.
                census = TextCensus(result.text)
                text = result.text
            case .failure(let rejection): return drop(rejection.rule, rejection.detail, text)
            }
        }
        var filters = QualityFilters(thresholds: thresholds)
        filters.gopherQuality = configuration.gopherQuality
        filters.gopherRepetition = configuration.gopherRepetition
        filters.fineWebQuality = configuration.fineWebQuality
        let words = DocumentWords(text, simplified: configuration.minHashDedup)
        if let rejection = filters.check(text, census: census, words: words.hashed) {
            return drop(rejection.rule, rejection.detail, text)
        }
        let bands =
            configuration.minHashDedup
            ? hasher.bandHashes(wordHashes: words.simplifiedHashes) : nil
        let score = JSONText.fixedFour(identification.confidence)
        var record = Array("{\"id\":".utf8)
        JSONText.appendQuoted(raw.id, to: &record)
        record += ",\"text\":".utf8
        JSONText.appendQuoted(text, to: &record)
        record += ",\"lang\":\"\(language.code)\",\"lang_score\":\(score),\"source\":".utf8
        JSONText.appendQuoted(raw.source, to: &record)
        record +=
            ",\"chars\":\(characters),\"bytes_in\":\(raw.bytes.count),\"pii\":\(pii.values.reduce(0, +))"
            .utf8
        outcome.kept = Kept(
            text: text, language: language, score: identification.confidence, pii: pii,
            bands: bands,
            record: record)
        return outcome
    }

    /// Processes a batch on up to `threads` threads; results stay in input order.
    func process(batch: [RawDocument]) -> [Outcome] {
        let workers = min(threads, batch.count)
        while wordCaches.count < max(1, workers) { wordCaches.append(WordScoreCache()) }
        guard workers > 1 else { return batch.map { process($0, cache: &wordCaches[0]) } }
        var results = [Outcome?](repeating: nil, count: batch.count)
        let next = NextIndex()
        results.withUnsafeMutableBufferPointer { slots in
            wordCaches.withUnsafeMutableBufferPointer { caches in
                // Workers write disjoint slots, each uses its own cache, and they only read
                // the (immutable) rest of the pipeline. Each takes the next document when
                // done, so documents of very different sizes still spread over the threads
                // (fixed chunks left one thread idle on long documents).
                let shared = UncheckedBox((slots, caches, self))
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    let (slots, caches, pipeline) = shared.value
                    while case let i = next.take(), i < batch.count {
                        slots[i] = pipeline.process(batch[i], cache: &caches[worker])
                    }
                }
            }
        }
        return results.map { $0 ?? Outcome(raw: RawDocument(id: "", source: "", bytes: [])) }
    }

    /// Hands out 0, 1, 2, … to parallel workers.
    private final class NextIndex: Sendable {
        private let counter = Atomic<Int>(0)
        func take() -> Int { counter.add(1, ordering: .relaxed).oldValue }
    }

    // MARK: - The run

    /// Cleans `inputs` (files and directories) into `output`.
    public func run(
        inputs: [String], output: String, overwrite: Bool, progress: (Progress) -> Void = { _ in }
    ) throws -> CleaningReport {
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: output) && !overwrite {
            throw CleaningError.outputExists(output)
        }
        let files = DocumentReader.expand(inputs)
        let totalBytes = DocumentReader.totalSize(files)
        let stagingDirectory = try StagingDirectory(
            for: URL(fileURLWithPath: output).standardizedFileURL)
        let staging = stagingDirectory.url
        var succeeded = false
        defer { if !succeeded { stagingDirectory.discard() } }

        var report = CleaningReport()
        report.khudiVersion = khudiVersion
        report.inputs = inputs
        let start = Date()
        let spool = try OutputFile(staging.appendingPathComponent("spool.tmp"))
        let rejected =
            configuration.writesRejected
            ? try OutputFile(staging.appendingPathComponent("rejected.jsonl")) : nil
        var exact = ExactDeduplicator()
        var index = NearDuplicateIndex(bands: hasher.bands)
        var candidates = 0
        var bytesRead = 0
        var batch: [RawDocument] = []
        let reader = DocumentReader(
            lineDocuments: configuration.lineDocuments, textField: configuration.textField)

        func flushBatch() throws {
            for outcome in process(batch: batch) {
                let bytes = outcome.raw.bytes.count
                bytesRead += bytes
                report.documentsIn += 1
                report.bytesIn += bytes
                report.invalidUTF8Repaired += outcome.repaired
                report.languages[outcome.language, default: .init()].documentsIn += 1
                report.languages[outcome.language, default: .init()].bytesIn += bytes
                guard let kept = outcome.kept else {
                    report.drop(outcome.rule, id: outcome.raw.id, text: outcome.text, bytes: bytes)
                    try rejected?.write(
                        rejectionLine(
                            outcome.raw, rule: outcome.rule, detail: outcome.detail,
                            text: outcome.text))
                    continue
                }
                if configuration.exactDedup && !exact.isFirst(kept.text) {
                    report.dedup.exactDuplicates += 1
                    report.drop(
                        "exact_duplicate", id: outcome.raw.id, text: kept.text, bytes: bytes)
                    try rejected?.write(
                        rejectionLine(
                            outcome.raw, rule: "exact_duplicate",
                            detail: "same text as an earlier document", text: kept.text))
                    continue
                }
                for (kind, count) in kept.pii { report.pii[kind.rawValue, default: 0] += count }
                // Documents too short for a MinHash signature cannot be near-duplicates: they
                // get a unique signature so they form clusters of one.
                let bands =
                    kept.bands
                    ?? (0..<hasher.bands).map {
                        UInt64(truncatingIfNeeded: candidates) &* 0x9E37_79B9_7F4A_7C15
                            &+ UInt64($0)
                    }
                let id = configuration.minHashDedup ? index.insert(bands) : candidates
                candidates += 1
                try spool.write(
                    "\(id)\t\(kept.language.code)\t\(kept.text.utf8.count)\t\(outcome.raw.id)\t")
                try spool.write(bytes: kept.record)
                try spool.write("\n")
            }
            batch.removeAll(keepingCapacity: true)
            progress(
                Progress(
                    bytesRead: bytesRead, totalBytes: totalBytes, documentsRead: report.documentsIn,
                    documentsKept: candidates, seconds: Date().timeIntervalSince(start)))
        }

        for file in files {
            try reader.read(
                file,
                document: { document in
                    batch.append(document)
                    if batch.count >= 64 * threads { try flushBatch() }
                },
                issue: { issue in
                    report.inputIssues[issue.kind, default: 0] += 1
                    if report.inputIssueMessages.count < 20 {
                        report.inputIssueMessages.append(issue.description)
                    }
                })
        }
        try flushBatch()
        try spool.close()
        try rejected?.close()

        // Second pass: one document per near-duplicate cluster, into shards.
        var shardWriter = try ShardWriter(
            directory: staging, documentsPerShard: configuration.shardDocuments)
        var clusterSeen = Set<Int>()
        try forEachLine(of: staging.appendingPathComponent("spool.tmp")) { line in
            // id, language, text bytes, document id, JSON record without its closing brace; read
            // as bytes, and the record copied to its shard as bytes (decoding every spooled
            // line into a String validated all the text a second time).
            var tabs: [Int] = []
            for (offset, byte) in line.enumerated() where byte == 0x09 {
                tabs.append(offset)
                if tabs.count == 4 { break }
            }
            func field(_ number: Int) -> String {
                let start = number == 0 ? 0 : tabs[number - 1] + 1
                return String(decoding: line[start..<tabs[number]], as: UTF8.self)
            }
            guard tabs.count == 4, let id = Int(field(0)), let textBytes = Int(field(2)) else {
                return
            }
            let size = configuration.minHashDedup ? index.clusterSize(id) : 1
            if configuration.minHashDedup && !index.isKept(id) {
                report.dedup.nearDuplicates += 1
                report.drop(
                    "near_duplicate", id: field(3),
                    text: "(a near-duplicate of an earlier document)", bytes: textBytes)
                return
            }
            if size > 1 {
                clusterSeen.insert(id)
                report.dedup.largestCluster = max(report.dedup.largestCluster, size)
            }
            try shardWriter.write(line[(tabs[3] + 1)...], ",\"minhash_cluster_size\":\(size)}\n")
            report.documentsOut += 1
            report.bytesOut += textBytes
            let language = field(1)
            report.languages[language, default: .init()].documentsOut += 1
            report.languages[language, default: .init()].bytesOut += textBytes
        }
        report.shards = try shardWriter.finish()
        try? fileManager.removeItem(at: staging.appendingPathComponent("spool.tmp"))
        report.dedup.clusters = clusterSeen.count
        report.dedup.indexedDocuments = index.count
        report.dedup.indexBytes = index.estimatedBytes
        report.seconds = Date().timeIntervalSince(start)
        report.megabytesPerSecond = Double(report.bytesIn) / 1e6 / max(report.seconds, 1e-9)

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try OutputFile.write(
            try encoder.encode(report), to: staging.appendingPathComponent("report.json"))
        try OutputFile.write(
            Data(report.markdown.utf8), to: staging.appendingPathComponent("report.md"))

        try stagingDirectory.commit()
        succeeded = true
        return report
    }

    private func rejectionLine(
        _ raw: RawDocument, rule: String, detail: String, text: String
    ) -> String {
        "{\"id\":\(JSONText.quoted(raw.id)),\"source\":\(JSONText.quoted(raw.source)),\"reason\":\"\(rule)\",\"detail\":\(JSONText.quoted(detail)),\"text\":\(JSONText.quoted(text))}\n"
    }

    private func forEachLine(of url: URL, _ body: ([UInt8]) throws -> Void) throws {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var reader = LineReader(handle: handle)
        while let line = try reader.nextLine() { try body(line) }
    }
}

/// Why a cleaning run could not start or finish.
public enum CleaningError: Error, Equatable, CustomStringConvertible {
    case outputExists(String)
    case cannotWrite(String, String)

    public var description: String {
        switch self {
        case .outputExists(let path):
            "output directory '\(path)' already exists; use --overwrite to replace it"
        case .cannotWrite(let path, let detail): "cannot write '\(path)': \(detail)"
        }
    }
}
