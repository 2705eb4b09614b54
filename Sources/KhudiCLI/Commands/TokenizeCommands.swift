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

            `train` also takes --config FILE.yaml and per-language weights for multilingual mixtures (see `khudi-tokenize train --help`).
            """,
        version: KhudiVersion.string,
        subcommands: [
            TrainTokenizerCommand.self, EncodeCommand.self, DecodeCommand.self,
            TokenizerEvalCommand.self,
        ])

    public init() {}
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
                let template = addSpecialTokens ? loaded.template : SpecialTokenTemplate()
                // Lines are encoded in batches across threads and printed in input order; typed
                // at a terminal, each line is answered at once.
                let interactive = isatty(STDIN_FILENO) != 0
                var encoder = BatchEncoder(tokenizer: loaded, threads: threadOptions.apply())
                var batch: [[UInt8]] = []
                var batchBytes = 0
                func flush() {
                    let lines = encoder.map(
                        batch, text: { TextDecoding.decode($0).text },
                        result: { ids in
                            var line: [UInt8] = []
                            line.appendIDLine(template.prefix + ids + template.suffix)
                            return line
                        })
                    for line in lines { out.write(bytes: line) }
                    batch.removeAll(keepingCapacity: true)
                    batchBytes = 0
                    if interactive { out.flush() }
                }
                while let line = try reader.nextLine() {
                    batch.append(line)
                    batchBytes += line.count
                    if batchBytes >= 1 << 20 || interactive { flush() }
                }
                flush()
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
            --text LANG=FILE gives monolingual text (one item per line, or JSONL with a "text" field). --parallel FILE.tsv gives aligned sentences, one column per language with a header row naming them (FLORES-200 style: eng_Latn, urd_Arab, ...); premium = tokens(language) / tokens(English). Prints Markdown, or JSON with --json; --json-output FILE also writes the JSON to FILE, so one run gives both.
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

    @Option(help: "Also write the JSON report to this file (atomically), whatever is printed.")
    var jsonOutput: String?

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
                // A directory gives its .txt/.jsonl files; a file that cannot be read, or a bad
                // JSONL line, stops the run rather than silently shrinking the measured text.
                var lines: [String] = []
                var issues: [ReadIssue] = []
                for file in DocumentReader.expand(try InputPaths.resolve([parts[1]])) {
                    try DocumentReader(lineDocuments: true).read(
                        file, document: { lines.append(TextDecoding.decode($0.bytes).text) },
                        issue: { issues.append($0) })
                }
                if let first = issues.first {
                    throw UserError(
                        "--text \(parts[0]): \(first)", exitCode: ExitStatus.dataError)
                }
                guard !lines.isEmpty else {
                    throw UserError(
                        "--text \(parts[0]): '\(parts[1])' holds no text",
                        exitCode: ExitStatus.dataError)
                }
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
            let report = try JSONSerialization.data(
                withJSONObject: ["results": results], options: [.sortedKeys, .prettyPrinted])
            if let jsonOutput { try AtomicFile.write(report, to: jsonOutput) }
            if json {
                print(String(decoding: report, as: UTF8.self))
            } else {
                print(table.joined(separator: "\n"))
            }
        }
    }
}
