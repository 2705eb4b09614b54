import ArgumentParser
import Foundation
import KhudiCorpus
import KhudiRecipe
import KhudiText
import KhudiTokenizer

/// `khudi-tokenize train INPUT... --output DIR --model byte-bpe|bpe|unigram --vocab-size N`.
public struct TrainTokenizerCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a tokenizer on text files, JSONL (clean shards) or directories.",
        discussion: """
            A multilingual mixture gives each document a language (from --language-field in .jsonl input, such as khudi-clean's `lang`, or from a source's `language` in --config) and multiplies each language's counts by its --language-weight, so a small language can get more than its natural share of the vocabulary; report.json lists each language's share before and after weighting.

            --config FILE.yaml holds the same settings (see KhudiRecipe/TokenizerTrainingConfiguration.swift) plus `sources` with per-source language and weight; options given on the command line win.
            """)

    public enum Model: String, ExpressibleByArgument, CaseIterable {
        case byteBPE = "byte-bpe"
        case bpe, unigram
    }

    /// The split before BPE: Khudi's own, or the field's patterns for comparison.
    public enum Splitter: String, ExpressibleByArgument, CaseIterable {
        case khudi, gpt2, cl100k, o200k
    }

    @Argument(
        help:
            "Training text: .txt (one line at a time), .jsonl (--text-field), .gz, directories; - reads standard input."
    )
    var inputs: [String] = []

    @Option(
        help:
            "Output directory (tokenizer.json, tokenizer_config.json, special_tokens_map.json, report.json)."
    )
    var output: String

    @Option(help: "A YAML file of training settings and sources (relative to the file).")
    var config: String?

    @Option(
        help:
            "byte-bpe (byte-level BPE, the default), unigram (SentencePiece-style Unigram) or bpe (BPE over characters, as Llama 2); the last two fall back to bytes."
    )
    var model: Model?

    @Option(help: "Vocabulary size, special tokens and byte pieces included.")
    var vocabSize: Int?

    @Option(help: "byte-bpe and bpe: pairs seen fewer times are never merged (default 2).")
    var minFrequency: Int64?

    @Option(
        help:
            "byte-bpe: no token longer than this many bytes (no limit by default); bpe and unigram: characters (unigram: 16 by default)."
    )
    var maxTokenLength: Int?

    @Option(
        help:
            "byte-bpe: khudi (Perso-Arabic words keep their marks and ZWNJ; the default), or gpt2, cl100k, o200k (the field's regexes, for comparison; slower)."
    )
    var preTokenizer: Splitter?

    @Option(
        help:
            "unigram and bpe: the share of character occurrences kept as pieces; rarer characters are encoded as bytes (default 0.9995)."
    )
    var characterCoverage: Double?

    @Option(
        help:
            "unigram and bpe: keep at most this many characters as pieces (the most frequent); the rest are encoded as bytes."
    )
    var limitAlphabet: Int?

    @Flag(
        inversion: .prefixedNo,
        help:
            "unigram and bpe: runs of punctuation and symbols (۔ ، ؟ . …) are pieces of their own (the default; --no-isolate-punctuation glues them to words, as SentencePiece)."
    )
    var isolatePunctuation: Bool?

    @Option(
        help: "With --pre-tokenizer khudi: the most digits one piece holds (1 to 3; default 3).")
    var maxDigits: Int?

    @Option(help: "The JSON field holding the text in .jsonl input (default text).")
    var textField: String?

    @Option(help: "The JSON field naming a document's language in .jsonl input (default lang).")
    var languageField: String?

    @Option(
        name: .customLong("language-weight"),
        help: "LANG=WEIGHT: multiply that language's counts (repeatable; unlisted languages 1).")
    var languageWeights: [String] = []

    @Flag(help: "Replace an existing output directory.")
    var overwrite = false

    @OptionGroup var threadOptions: ThreadOptions

    public init() {}

    public func validate() throws {
        if let maxDigits, !(1...3).contains(maxDigits) {
            throw ValidationError("--max-digits must be 1, 2 or 3 (got \(maxDigits))")
        }
        if let limitAlphabet, limitAlphabet < 1 {
            throw ValidationError("--limit-alphabet must be at least 1 (got \(limitAlphabet))")
        }
        if let maxTokenLength, maxTokenLength < 2 {
            throw ValidationError("--max-token-length must be at least 2 (got \(maxTokenLength))")
        }
        _ = try parsedLanguageWeights()
    }

    /// `--language-weight` values as a table.
    func parsedLanguageWeights() throws -> [String: Double] {
        var weights: [String: Double] = [:]
        for entry in languageWeights {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let weight = Double(parts[1]), weight >= 0
            else {
                throw ValidationError(
                    "--language-weight takes LANG=WEIGHT with a weight of 0 or more (got '\(entry)')"
                )
            }
            weights[parts[0]] = weight
        }
        return weights
    }

    public func run() throws {
        try reportingErrors(tool: "khudi-tokenize train") {
            var settings = TokenizerTrainingConfiguration()
            if let config {
                _ = try InputPaths.resolve([config])
                do {
                    settings = try TokenizerTrainingConfiguration.load(
                        yaml: try String(contentsOfFile: config, encoding: .utf8), path: config)
                } catch let error as ConfigurationError {
                    throw UserError("\(error)", exitCode: ExitStatus.configuration)
                }
            }
            let resolved = try resolve(settings)
            try train(resolved)
        }
    }

    /// Every setting: the command line, else the configuration file, else the default.
    struct Settings {
        var model: Model
        var vocabSize: Int
        var minFrequency: Int64
        var maxTokenLength: Int?
        var preTokenizer: Splitter
        var maxDigits: Int
        var characterCoverage: Double
        var limitAlphabet: Int?
        var isolatePunctuation: Bool
        var textField: String
        var languageField: String
        var languageWeights: [String: Double]
        var sources: [TokenizerTrainingConfiguration.Source]
        var readsStandardInput: Bool
    }

    func resolve(_ file: TokenizerTrainingConfiguration) throws -> Settings {
        guard let vocabSize = vocabSize ?? file.vocabSize else {
            throw UserError(
                "give --vocab-size N (or vocab_size in --config)", exitCode: ExitStatus.usage)
        }
        let digits = maxDigits ?? file.maxDigits ?? 3
        guard (1...3).contains(digits) else {
            throw UserError(
                "max_digits must be 1, 2 or 3 (got \(digits))", exitCode: ExitStatus.configuration)
        }
        var weights = file.languageWeights
        weights.merge(try parsedLanguageWeights()) { _, given in given }
        let paths = try InputPaths.resolve(inputs.filter { $0 != "-" })
        var sources = paths.map { TokenizerTrainingConfiguration.Source(path: $0) }
        sources += file.sources
        _ = try InputPaths.resolve(file.sources.map(\.path))
        let readsStandardInput = inputs.contains("-")
        guard !sources.isEmpty || readsStandardInput else {
            throw UserError(
                "no training input: give INPUT paths, - for standard input, or sources in --config",
                exitCode: ExitStatus.usage)
        }
        return Settings(
            model: model ?? file.model.flatMap(Model.init(rawValue:)) ?? .byteBPE,
            vocabSize: vocabSize,
            minFrequency: minFrequency ?? file.minFrequency ?? 2,
            maxTokenLength: maxTokenLength ?? file.maxTokenLength,
            preTokenizer: preTokenizer ?? file.preTokenizer.flatMap(Splitter.init(rawValue:))
                ?? .khudi,
            maxDigits: digits,
            characterCoverage: characterCoverage ?? file.characterCoverage ?? 0.9995,
            limitAlphabet: limitAlphabet ?? file.limitAlphabet,
            isolatePunctuation: isolatePunctuation ?? file.isolatePunctuation ?? true,
            textField: textField ?? file.textField ?? "text",
            languageField: languageField ?? file.languageField ?? "lang",
            languageWeights: weights, sources: sources, readsStandardInput: readsStandardInput)
    }

    /// The counter for `settings`' model and pre-tokenizer.
    static func counter(for settings: Settings) throws -> PreTokenCounter {
        guard settings.model == .byteBPE else {
            return PreTokenCounter(
                splitter: MetaspaceSplitter(isolatesSymbols: settings.isolatePunctuation))
        }
        let preTokenization: PreTokenization =
            switch settings.preTokenizer {
            case .khudi: .persoArabic(PersoArabicPreTokenizer(maximumDigits: settings.maxDigits))
            case .gpt2: .regex(try RegexPreTokenizer(pattern: RegexPreTokenizer.gpt2))
            case .cl100k: .regex(try RegexPreTokenizer(pattern: RegexPreTokenizer.cl100k))
            case .o200k: .regex(try RegexPreTokenizer(pattern: RegexPreTokenizer.o200k))
            }
        return PreTokenCounter(preTokenization: preTokenization)
    }

    func train(_ settings: Settings) throws {
        if FileManager.default.fileExists(atPath: output) && !overwrite {
            throw UserError(
                "output directory '\(output)' already exists; use --overwrite to replace it",
                exitCode: ExitStatus.cannotCreate)
        }
        let threads = threadOptions.apply()
        let start = Date()
        var counting = MixtureCounting(
            counter: MixtureCounter(try Self.counter(for: settings)), threads: threads,
            weights: settings.languageWeights)
        var reader = DocumentReader(lineDocuments: true, textField: settings.textField)
        reader.languageField = settings.languageField
        let files = settings.sources.map { DocumentReader.expand([$0.path]) }
        var meter = ProgressMeter(label: "khudi-tokenize train (counting)")
        let totalBytes = DocumentReader.totalSize(files.flatMap { $0 })
        var issues: [String] = []
        for (source, paths) in zip(settings.sources, files) {
            for file in paths {
                try reader.read(
                    file,
                    document: { document in
                        counting.add(
                            document.bytes, language: source.language ?? document.language ?? "",
                            sourceWeight: source.weight)
                        meter.update(
                            done: counting.bytesRead, total: totalBytes,
                            detail: "\(counting.distinctPreTokens) distinct pre-tokens")
                    }, issue: { issues.append($0.description) })
            }
        }
        if settings.readsStandardInput {
            var lines = LineReader(handle: .standardInput)
            while let line = try lines.nextLine() {
                counting.add(line, language: "", sourceWeight: 1)
            }
        }
        counting.flush()
        meter.finish()
        let counter = counting.counter.combined()
        printError(
            "khudi-tokenize train: learning \(settings.model.rawValue) up to \(settings.vocabSize) tokens"
        )
        let (tokenizer, details) = try Self.fit(counter, settings: settings, threads: threads)
        // Written beside the output and renamed into place, so --overwrite never leaves a mix of
        // old and new files.
        let staging = try StagingDirectory(for: URL(fileURLWithPath: output).standardizedFileURL)
        var done = false
        defer { if !done { staging.discard() } }
        let folder = staging.url.path
        try AtomicFile.write(try tokenizer.tokenizerJSON(), to: "\(folder)/tokenizer.json")
        try AtomicFile.write(
            try tokenizer.tokenizerConfigJSON(), to: "\(folder)/tokenizer_config.json")
        try AtomicFile.write(
            try tokenizer.specialTokensMapJSON(), to: "\(folder)/special_tokens_map.json")
        var report: [String: Any] = [
            "model": settings.model.rawValue, "vocab_size": tokenizer.vocabularySize,
            "distinct_pre_tokens": counter.distinctCount, "bytes": counter.bytes,
            "max_token_length": settings.maxTokenLength.map { $0 as Any } ?? NSNull(),
            "invalid_utf8_repaired": counting.repaired,
            "seconds": Date().timeIntervalSince(start), "input_issues": issues,
            "languages": counting.counter.shares().map { share in
                [
                    "language": share.group.language, "weight": share.group.weight,
                    "bytes": share.bytes, "share": share.share,
                    "weighted_share": share.weightedShare,
                ] as [String: Any]
            },
        ]
        report.merge(details) { _, new in new }
        try AtomicFile.writeJSON(report, to: "\(folder)/report.json")
        try staging.commit()
        done = true
        print(
            "trained \(settings.model.rawValue) with \(tokenizer.vocabularySize) tokens from \(counter.bytes) bytes into \(output)"
        )
    }

    /// The report's entries for a `bpe` or `unigram` model.
    static func pieceDetails(_ settings: Settings) -> [String: Any] {
        [
            "character_coverage": settings.characterCoverage,
            "limit_alphabet": settings.limitAlphabet.map { $0 as Any } ?? NSNull(),
            "isolate_punctuation": settings.isolatePunctuation,
        ]
    }

    /// Learns the model; the report's model-specific entries beside it.
    static func fit(
        _ counter: PreTokenCounter, settings: Settings, threads: Int
    ) throws -> (any TextTokenizer, [String: Any]) {
        do {
            switch settings.model {
            case .unigram:
                let tokenizer = try PieceTokenizer.trainUnigram(
                    counter, vocabularySize: settings.vocabSize,
                    characterCoverage: settings.characterCoverage,
                    alphabetLimit: settings.limitAlphabet,
                    maximumPieceLength: settings.maxTokenLength ?? 16, threads: threads)
                return (tokenizer, pieceDetails(settings))
            case .bpe:
                let tokenizer = try PieceTokenizer.trainBPE(
                    counter, vocabularySize: settings.vocabSize,
                    characterCoverage: settings.characterCoverage,
                    alphabetLimit: settings.limitAlphabet, minimumFrequency: settings.minFrequency,
                    maximumTokenLength: settings.maxTokenLength)
                return (tokenizer, pieceDetails(settings))
            case .byteBPE:
                let tokenizer = try ByteLevelTokenizer.train(
                    counter, vocabularySize: settings.vocabSize,
                    minimumFrequency: settings.minFrequency,
                    maximumTokenLength: settings.maxTokenLength)
                return (
                    tokenizer,
                    [
                        "pre_tokenizer": settings.preTokenizer.rawValue,
                        "pattern": tokenizer.preTokenization.pattern,
                        "merges": tokenizer.model.merges.count,
                    ]
                )
            }
        } catch {
            // (`catch let error as TokenizerError` crashes Swift 6.3's SILGen here.)
            throw UserError("\(error)", exitCode: ExitStatus.dataError)
        }
    }
}

/// Documents decoded and batched per language group (8 MB per batch), each batch counted across
/// threads into a `MixtureCounter` behind the reading: a full batch goes to a background queue
/// and the next one is read meanwhile (reading and decoding were a third of counting's time,
/// done while the counting threads waited).
struct MixtureCounting {
    /// The counts; final once `flush()` has returned (until then, the starting counter).
    private(set) var counter: MixtureCounter
    let threads: Int
    let weights: [String: Double]
    private let background: BackgroundCounting
    private var batches: [MixtureCounter.Group: (texts: [String], bytes: Int)] = [:]
    private(set) var bytesRead = 0
    private(set) var repaired = 0

    init(counter: MixtureCounter, threads: Int, weights: [String: Double]) {
        self.counter = counter
        self.threads = threads
        self.weights = weights
        background = BackgroundCounting(counter)
    }

    /// Distinct pre-tokens counted so far (for progress lines).
    var distinctPreTokens: Int { background.distinctPreTokens }

    mutating func add(_ bytes: [UInt8], language: String, sourceWeight: Double) {
        bytesRead += bytes.count
        let (text, invalid) = TextDecoding.decode(bytes)
        repaired += invalid
        let group = MixtureCounter.Group(
            language: language, weight: sourceWeight * (weights[language] ?? 1))
        var batch = batches.removeValue(forKey: group) ?? ([], 0)
        batch.texts.append(text)
        batch.bytes += text.utf8.count
        if batch.bytes >= 8 << 20 {
            background.count(batch.texts, group: group, threads: threads)
            batch = ([], 0)
        }
        batches[group] = batch
    }

    /// Counts what is still batched and waits for every batch; `counter` is then final.
    mutating func flush() {
        for group in batches.keys.sorted() {
            if let batch = batches[group], !batch.texts.isEmpty {
                background.count(batch.texts, group: group, threads: threads)
            }
        }
        batches = [:]
        counter = background.finish()
    }
}

/// A `MixtureCounter` fed on a serial background queue.
///
/// At most two batches wait, so memory stays bounded. Batches are counted in the order given, so results do not depend on timing.
private final class BackgroundCounting: @unchecked Sendable {
    private let queue = DispatchQueue(label: "khudi-tokenize.counting")
    private let waiting = DispatchSemaphore(value: 2)
    private let lock = NSLock()
    /// Touched only on `queue`.
    private var counter: MixtureCounter
    /// Under `lock`.
    private var distinct = 0

    init(_ counter: MixtureCounter) { self.counter = counter }

    /// Queues `texts` for counting, first waiting while two batches are queued.
    func count(_ texts: [String], group: MixtureCounter.Group, threads: Int) {
        waiting.wait()
        queue.async { [self] in
            counter.add(contentsOf: texts, group: group, threads: threads)
            let distinctNow = counter.distinctPreTokens
            lock.withLock { distinct = distinctNow }
            waiting.signal()
        }
    }

    var distinctPreTokens: Int { lock.withLock { distinct } }

    /// Waits for every queued batch and returns the counts.
    func finish() -> MixtureCounter { queue.sync { counter } }
}
