import ArgumentParser
import Foundation
import KhudiCorpus
import KhudiText
import KhudiTokenizer

/// `khudi-tokenize`: tokenizer training, encoding and metrics.
public struct TokenizeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "khudi-tokenize",
        abstract:
            "Train tokenizers that treat Perso-Arabic scripts fairly, and encode text with them.",
        discussion: """
            Works today: `train --model byte-bpe` (byte-level BPE with a Perso-Arabic pre-tokenizer, or GPT-2/cl100k/o200k regexes for comparison, written as a tokenizer.json that Hugging Face tokenizers loads and encodes identically), `encode` (token shards for training, or --ids for stdin lines) and `decode`. Byte-level BPE tokenizer.json files from elsewhere (GPT-2, Llama 3, any Split regex) are read with their own ids.

            `eval` reports fertility, continued words, bytes and characters per token, round trip and premium versus English.

            `train --model unigram` learns a SentencePiece-style Unigram model (EM with pruning, byte fallback, ▁ for spaces, punctuation isolated) written as a Unigram tokenizer.json; Unigram tokenizer.json files with a Metaspace pre-tokenizer are read too.

            `train --model bpe` learns BPE over characters with byte fallback (as Llama 2 and Mistral); such tokenizer.json files (Metaspace, or Llama 2's Prepend/Replace normalizers) are read too.

            Not built yet (issue #4): per-language sampling weights and `train --config FILE.yaml`.
            """,
        version: KhudiVersion.string,
        subcommands: [
            TrainTokenizerCommand.self, EncodeCommand.self, DecodeCommand.self,
            TokenizerEvalCommand.self,
        ])

    public init() {}
}

/// `khudi-tokenize train INPUT... --output DIR --model byte-bpe --vocab-size N`.
public struct TrainTokenizerCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a tokenizer on text files, JSONL (clean shards) or directories.")

    public enum Model: String, ExpressibleByArgument, CaseIterable {
        case byteBPE = "byte-bpe"
        case bpe, unigram
    }

    @Argument(
        help:
            "Training text: .txt (one line at a time), .jsonl (--text-field), .gz, directories; - reads standard input."
    )
    var inputs: [String]

    @Option(
        help:
            "Output directory (tokenizer.json, tokenizer_config.json, special_tokens_map.json, report.json)."
    )
    var output: String

    @Option(
        help:
            "byte-bpe (byte-level BPE), unigram (SentencePiece-style Unigram) or bpe (BPE over characters, as Llama 2); the last two fall back to bytes."
    )
    var model: Model = .byteBPE

    @Option(help: "Vocabulary size, special tokens and the 256 bytes included.")
    var vocabSize: Int

    @Option(help: "Pairs seen fewer times are never merged.")
    var minFrequency: Int64 = 2

    @Option(
        help:
            "byte-bpe: no token longer than this many bytes (no limit by default); bpe and unigram: characters (unigram: 16 by default)."
    )
    var maxTokenLength: Int?

    /// The split before BPE: Khudi's own, or the field's patterns for comparison.
    public enum Splitter: String, ExpressibleByArgument, CaseIterable {
        case khudi, gpt2, cl100k, o200k
    }

    @Option(
        help:
            "khudi (Perso-Arabic words keep their marks and ZWNJ), or gpt2, cl100k, o200k (the field's regexes, for comparison; slower)."
    )
    var preTokenizer: Splitter = .khudi

    @Option(
        help:
            "unigram and bpe: the share of character occurrences kept as pieces; rarer characters are encoded as bytes."
    )
    var characterCoverage = 0.9995

    @Flag(
        inversion: .prefixedNo,
        help:
            "unigram and bpe: runs of punctuation and symbols (۔ ، ؟ . …) are pieces of their own (--no-isolate-punctuation glues them to words, as SentencePiece)."
    )
    var isolatePunctuation = true

    @Option(help: "With --pre-tokenizer khudi: the most digits one piece holds (1 to 3).")
    var maxDigits = 3

    @Option(help: "The JSON field holding the text in .jsonl input.")
    var textField = "text"

    @Flag(help: "Replace an existing output directory.")
    var overwrite = false

    @OptionGroup var threadOptions: ThreadOptions

    public init() {}

    /// The pre-tokenizer `--pre-tokenizer` and `--max-digits` name.
    func preTokenization() throws -> PreTokenization {
        switch preTokenizer {
        case .khudi: .persoArabic(PersoArabicPreTokenizer(maximumDigits: maxDigits))
        case .gpt2: .regex(try RegexPreTokenizer(pattern: RegexPreTokenizer.gpt2))
        case .cl100k: .regex(try RegexPreTokenizer(pattern: RegexPreTokenizer.cl100k))
        case .o200k: .regex(try RegexPreTokenizer(pattern: RegexPreTokenizer.o200k))
        }
    }

    public func validate() throws {
        guard (1...3).contains(maxDigits) else {
            throw ValidationError("--max-digits must be 1, 2 or 3 (got \(maxDigits))")
        }
        if let maxTokenLength, maxTokenLength < 2 {
            throw ValidationError("--max-token-length must be at least 2 (got \(maxTokenLength))")
        }
    }

    public func run() throws {
        try reportingErrors(tool: "khudi-tokenize train") {
            let readsStandardInput = inputs.contains("-")
            let paths = try InputPaths.resolve(inputs.filter { $0 != "-" })
            if FileManager.default.fileExists(atPath: output) && !overwrite {
                throw UserError(
                    "output directory '\(output)' already exists; use --overwrite to replace it",
                    exitCode: ExitStatus.cannotCreate)
            }
            let threads = threadOptions.apply()
            let start = Date()
            var counter =
                model != .byteBPE
                ? ByteLevelTokenizer.Counter(
                    splitter: MetaspaceSplitter(isolatesSymbols: isolatePunctuation))
                : ByteLevelTokenizer.Counter(preTokenization: try preTokenization())
            var batch: [String] = []
            var batchBytes = 0
            var bytesRead = 0
            let files = DocumentReader.expand(paths)
            let totalBytes = DocumentReader.totalSize(files)
            var meter = ProgressMeter(label: "khudi-tokenize train (counting)")
            var repaired = 0
            let reader = DocumentReader(lineDocuments: true, textField: textField)
            var issues: [String] = []
            func count(_ bytes: [UInt8]) {
                bytesRead += bytes.count
                meter.update(
                    done: bytesRead, total: totalBytes,
                    detail: "\(counter.counts.count) distinct pre-tokens")
                let (text, invalid) = TextDecoding.decode(bytes)
                repaired += invalid
                batch.append(text)
                batchBytes += text.utf8.count
                if batchBytes >= 8 << 20 {
                    counter.add(contentsOf: batch, threads: threads)
                    batch.removeAll(keepingCapacity: true)
                    batchBytes = 0
                }
            }
            for file in files {
                try reader.read(
                    file, document: { count($0.bytes) },
                    issue: { issues.append($0.description) })
            }
            if readsStandardInput {
                var lines = LineReader(handle: .standardInput)
                while let line = try lines.nextLine() { count(line) }
            }
            counter.add(contentsOf: batch, threads: threads)
            meter.finish()
            printError("khudi-tokenize train: learning \(model.rawValue) up to \(vocabSize) tokens")
            let tokenizer: any TextTokenizer
            var details: [String: Any] = [:]
            do {
                if model == .unigram {
                    tokenizer = try PieceTokenizer.trainUnigram(
                        counter, vocabularySize: vocabSize, characterCoverage: characterCoverage,
                        maximumPieceLength: maxTokenLength ?? 16, threads: threads)
                    details = [
                        "character_coverage": characterCoverage,
                        "isolate_punctuation": isolatePunctuation,
                    ]
                } else if model == .bpe {
                    tokenizer = try PieceTokenizer.trainBPE(
                        counter, vocabularySize: vocabSize, characterCoverage: characterCoverage,
                        minimumFrequency: minFrequency, maximumTokenLength: maxTokenLength)
                    details = [
                        "character_coverage": characterCoverage,
                        "isolate_punctuation": isolatePunctuation,
                    ]
                } else {
                    let trained = try ByteLevelTokenizer.train(
                        counter, vocabularySize: vocabSize, minimumFrequency: minFrequency,
                        maximumTokenLength: maxTokenLength)
                    tokenizer = trained
                    details = [
                        "pre_tokenizer": preTokenizer.rawValue,
                        "pattern": trained.preTokenization.pattern,
                        "merges": trained.model.merges.count,
                    ]
                }
            } catch {
                throw UserError("\(error)", exitCode: ExitStatus.dataError)
            }
            // Written beside the output and renamed into place, so --overwrite never leaves a
            // mix of old and new files.
            let staging = try StagingDirectory(
                for: URL(fileURLWithPath: output).standardizedFileURL)
            var done = false
            defer { if !done { staging.discard() } }
            let folder = staging.url.path
            try AtomicFile.write(try tokenizer.tokenizerJSON(), to: "\(folder)/tokenizer.json")
            try AtomicFile.write(
                try tokenizer.tokenizerConfigJSON(), to: "\(folder)/tokenizer_config.json")
            try AtomicFile.write(
                try tokenizer.specialTokensMapJSON(), to: "\(folder)/special_tokens_map.json")
            var report: [String: Any] = [
                "model": model.rawValue, "vocab_size": tokenizer.vocabularySize,
                "distinct_pre_tokens": counter.counts.count, "bytes": counter.bytes,
                "max_token_length": maxTokenLength.map { $0 as Any } ?? NSNull(),
                "invalid_utf8_repaired": repaired,
                "seconds": Date().timeIntervalSince(start), "input_issues": issues,
            ]
            report.merge(details) { _, new in new }
            try AtomicFile.writeJSON(report, to: "\(folder)/report.json")
            try staging.commit()
            done = true
            print(
                "trained \(model.rawValue) with \(tokenizer.vocabularySize) tokens from \(counter.bytes) bytes into \(output)"
            )
        }
    }
}

/// Loads a tokenizer.json given as a file or a directory containing one.
func loadTokenizer(_ path: String) throws -> any TextTokenizer {
    var isDirectory: ObjCBool = false
    let file =
        FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            && isDirectory.boolValue ? "\(path)/tokenizer.json" : path
    _ = try InputPaths.resolve([file])
    do {
        return try KhudiTokenizer.loadTokenizer(
            tokenizerJSON: try Data(contentsOf: URL(fileURLWithPath: file)))
    } catch let error as TokenizerFileError {
        throw UserError("\(file): \(error)", exitCode: ExitStatus.dataError)
    }
}

/// `khudi-tokenize encode`: token shards for training, or (`--ids`) ids of stdin lines.
public struct EncodeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract:
            "Encode INPUT files into token shards in DIR, or each stdin line to ids with --ids.",
        discussion: """
            Shards are tokens-NNNNN.bin (a 64-byte header, then uint16 or uint32 ids, EOS after every document) with manifest.json. Documents are read as by khudi-clean: .txt separated by blank lines (or one per line with --line-docs), .jsonl with --text-field (clean shards), .gz, directories.
            """)

    @Option(help: "tokenizer.json, or a directory holding one.")
    var tokenizer: String

    @Flag(help: "Print the ids of each standard-input line, space-separated.")
    var ids = false

    @Flag(
        help:
            "With --ids: put the tokenizer's template tokens around each line (as Llama 3's <|begin_of_text|>)."
    )
    var addSpecialTokens = false

    @Argument(help: "Documents to encode into shards.")
    var inputs: [String] = []

    @Option(help: "Output directory for the shards.")
    var output: String?

    @Flag(help: "One document per line in .txt input.")
    var lineDocs = false

    @Option(help: "The JSON field holding the text in .jsonl input.")
    var textField = "text"

    @Option(help: "Tokens per shard file at most.")
    var shardTokens = 100_000_000

    @Flag(help: "Replace an existing output directory.")
    var overwrite = false

    @OptionGroup var threadOptions: ThreadOptions

    public init() {}

    public func run() throws {
        try reportingErrors(tool: "khudi-tokenize encode") {
            let loaded = try loadTokenizer(tokenizer)
            if ids {
                var reader = LineReader(handle: .standardInput)
                var out = BufferedOutput()
                var cache = PieceCache()
                let template = addSpecialTokens ? loaded.template : SpecialTokenTemplate()
                while let line = try reader.nextLine() {
                    let encoded = loaded.encode(TextDecoding.decode(line).text, cache: &cache)
                    out.write(
                        (template.prefix + encoded + template.suffix).map(String.init)
                            .joined(separator: " ") + "\n")
                }
                out.flush()
                return
            }
            guard let output else {
                throw UserError(
                    "give --output DIR for shards, or --ids for stdin", exitCode: ExitStatus.usage)
            }
            let paths = try InputPaths.resolve(inputs)
            guard !paths.isEmpty else {
                throw UserError("no INPUT to encode", exitCode: ExitStatus.usage)
            }
            if FileManager.default.fileExists(atPath: output) && !overwrite {
                throw UserError(
                    "output directory '\(output)' already exists; use --overwrite to replace it",
                    exitCode: ExitStatus.cannotCreate)
            }
            let threads = threadOptions.apply()
            let summary = try ShardEncoder(
                tokenizer: loaded, threads: threads, shardTokens: shardTokens
            )
            .run(
                paths, output: output, overwrite: overwrite,
                reader: DocumentReader(lineDocuments: lineDocs, textField: textField))
            print(
                "wrote \(summary.tokens) tokens from \(summary.documents) documents in \(summary.shards) shard(s) to \(output)"
            )
        }
    }
}

/// `khudi-tokenize decode --tokenizer T`: text of each stdin line of ids.
public struct DecodeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "decode", abstract: "Decode lines of space-separated ids from standard input.")

    @Option(help: "tokenizer.json, or a directory holding one.")
    var tokenizer: String

    public init() {}

    public func run() throws {
        try reportingErrors(tool: "khudi-tokenize decode") {
            let loaded = try loadTokenizer(tokenizer)
            var reader = LineReader(handle: .standardInput)
            var output = BufferedOutput()
            while let line = try reader.nextLine() {
                var ids: [Int] = []
                for field in String(decoding: line, as: UTF8.self).split(separator: " ") {
                    guard let id = Int(field), id >= 0, id < loaded.vocabularySize else {
                        throw UserError(
                            "<stdin>:\(reader.lineNumber): '\(field)' is not a token id below \(loaded.vocabularySize)",
                            exitCode: ExitStatus.dataError)
                    }
                    ids.append(id)
                }
                output.write(loaded.decode(ids) + "\n")
            }
            output.flush()
        }
    }
}

/// `khudi-tokenize eval`: fertility, continued words, bytes and characters per token, round
/// trip and premium versus English, for one or more tokenizers side by side.
public struct TokenizerEvalCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Tokenizer metrics per language, and premium versus English on parallel text.",
        discussion: """
            --text LANG=FILE gives monolingual text (one item per line, or JSONL with a "text" field). --parallel FILE.tsv gives aligned sentences, one column per language with a header row naming them (FLORES-200 style: eng_Latn, urd_Arab, ...); premium = tokens(language) / tokens(English). Prints Markdown, or JSON with --json.
            """)

    @Option(help: "tokenizer.json or a directory holding one (repeat to compare tokenizers).")
    var tokenizer: [String]

    @Option(help: "LANG=FILE text to measure (repeatable).")
    var text: [String] = []

    @Option(help: "A TSV of parallel sentences with a header row of language columns.")
    var parallel: String?

    @Option(help: "The English column of --parallel.")
    var english = "eng_Latn"

    @Flag(help: "Print JSON.")
    var json = false

    public init() {}

    public func run() throws {
        try reportingErrors(tool: "khudi-tokenize eval") {
            guard !text.isEmpty || parallel != nil else {
                throw UserError(
                    "give --text LANG=FILE and/or --parallel FILE.tsv", exitCode: ExitStatus.usage)
            }
            var texts: [(String, [String])] = []
            for item in text {
                let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else {
                    throw UserError(
                        "--text '\(item)': expected LANG=FILE", exitCode: ExitStatus.usage)
                }
                _ = try InputPaths.resolve([parts[1]])
                var lines: [String] = []
                try DocumentReader(lineDocuments: true).read(
                    parts[1], document: { lines.append(TextDecoding.decode($0.bytes).text) },
                    issue: { _ in })
                texts.append((parts[0], lines))
            }
            var columns: [String: [String]] = [:]
            if let parallel {
                _ = try InputPaths.resolve([parallel])
                let rows = try String(contentsOfFile: parallel, encoding: .utf8).split(
                    separator: "\n"
                ).map {
                    $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                }
                guard let header = rows.first, header.contains(english) else {
                    throw UserError(
                        "\(parallel): the header has no '\(english)' column",
                        exitCode: ExitStatus.dataError)
                }
                for row in rows.dropFirst() where row.count == header.count {
                    for (name, cell) in zip(header, row) where name.contains("_") {
                        columns[name, default: []].append(cell)
                    }
                }
            }
            var results: [[String: Any]] = []
            var table = [
                "| tokenizer | language | texts | fertility | continued words | bytes/token | chars/token | round trip | premium |",
                "|---|---|---:|---:|---:|---:|---:|---|---:|",
            ]
            for path in tokenizer {
                let loaded = try loadTokenizer(path)
                let premiums =
                    columns.isEmpty
                    ? [:] : TokenizerMetrics.premiums(loaded, parallel: columns, english: english)
                var sets = texts
                for (language, sentences) in columns.sorted(by: { $0.key < $1.key }) {
                    sets.append(("\(language) (parallel)", sentences))
                }
                for (language, lines) in sets {
                    let m = TokenizerMetrics.measure(loaded, on: lines)
                    let column = language.replacingOccurrences(of: " (parallel)", with: "")
                    let premium =
                        premiums[column] ?? (column == english && !columns.isEmpty ? 1 : nil)
                    results.append([
                        "tokenizer": path, "language": language, "texts": m.texts, "words": m.words,
                        "tokens": m.tokens,
                        "fertility": m.fertility, "continued_word_share": m.continuedWordShare,
                        "bytes_per_token": m.bytesPerToken,
                        "characters_per_token": m.charactersPerToken,
                        "round_trip_exact": m.roundTripsExactly,
                        "premium_vs_english": premium.map { $0 as Any } ?? NSNull(),
                    ])
                    table.append(
                        String(
                            format: "| %@ | %@ | %d | %.3f | %.1f%% | %.2f | %.2f | %@ | %@ |",
                            path, language, m.texts,
                            m.fertility, 100 * m.continuedWordShare, m.bytesPerToken,
                            m.charactersPerToken,
                            m.roundTripsExactly ? "exact" : "LOSSY",
                            premium.map { String(format: "%.3f", $0) } ?? "–"))
                }
            }
            if json {
                print(
                    String(
                        decoding: try JSONSerialization.data(
                            withJSONObject: ["results": results],
                            options: [.sortedKeys, .prettyPrinted]), as: UTF8.self))
            } else {
                print(table.joined(separator: "\n"))
            }
        }
    }
}
