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
            Works today: `train --model byte-bpe` (byte-level BPE with a Perso-Arabic pre-tokenizer, written as a tokenizer.json that Hugging Face tokenizers loads and encodes identically), `encode` (token shards for training, or --ids for stdin lines) and `decode`.

            Not built yet (issue #4): BPE with byte fallback and Unigram models, tokenizer metrics (`eval`), reading other tokenizers' tokenizer.json files beyond byte-level BPE.
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
        help: "Training text: .txt (one line at a time), .jsonl (--text-field), .gz, directories.")
    var inputs: [String]

    @Option(
        help:
            "Output directory (tokenizer.json, tokenizer_config.json, special_tokens_map.json, report.json)."
    )
    var output: String

    @Option(help: "byte-bpe (built), bpe or unigram (not built yet).")
    var model: Model = .byteBPE

    @Option(help: "Vocabulary size, special tokens and the 256 bytes included.")
    var vocabSize: Int

    @Option(help: "Pairs seen fewer times are never merged.")
    var minFrequency: Int64 = 2

    @Option(help: "The JSON field holding the text in .jsonl input.")
    var textField = "text"

    @Flag(help: "Replace an existing output directory.")
    var overwrite = false

    @OptionGroup var threadOptions: ThreadOptions

    public init() {}

    public func run() throws {
        try reportingErrors(tool: "khudi-tokenize train") {
            let paths = try InputPaths.resolve(inputs)
            guard model == .byteBPE else {
                throw UserError.notBuiltYet("the \(model.rawValue) model", issue: 4)
            }
            if FileManager.default.fileExists(atPath: output) && !overwrite {
                throw UserError(
                    "output directory '\(output)' already exists; use --overwrite to replace it",
                    exitCode: ExitStatus.cannotCreate)
            }
            threadOptions.apply()
            let start = Date()
            var counter = ByteLevelTokenizer.Counter()
            var repaired = 0
            let reader = DocumentReader(lineDocuments: true, textField: textField)
            var issues: [String] = []
            for file in DocumentReader.expand(paths) {
                try reader.read(
                    file,
                    document: { raw in
                        let (text, invalid) = TextDecoding.decode(raw.bytes)
                        repaired += invalid
                        counter.add(text)
                    }, issue: { issues.append($0.description) })
            }
            let tokenizer: ByteLevelTokenizer
            do {
                tokenizer = try ByteLevelTokenizer.train(
                    counter, vocabularySize: vocabSize, minimumFrequency: minFrequency)
            } catch {
                throw UserError("\(error)", exitCode: ExitStatus.dataError)
            }
            try FileManager.default.createDirectory(
                atPath: output, withIntermediateDirectories: true)
            try AtomicFile.write(try tokenizer.tokenizerJSON(), to: "\(output)/tokenizer.json")
            let specials = tokenizer.model.specialTokens
            let config: [String: Any] = [
                "tokenizer_class": "PreTrainedTokenizerFast", "bos_token": specials[1],
                "eos_token": specials[2],
                "pad_token": specials[0], "unk_token": specials[3],
                "model_max_length": 1_000_000_000,
                "clean_up_tokenization_spaces": false,
            ]
            try AtomicFile.write(
                try JSONSerialization.data(
                    withJSONObject: config, options: [.sortedKeys, .prettyPrinted]),
                to: "\(output)/tokenizer_config.json")
            let map: [String: Any] = [
                "bos_token": specials[1], "eos_token": specials[2], "pad_token": specials[0],
                "unk_token": specials[3],
                "additional_special_tokens": Array(specials.dropFirst(4)),
            ]
            try AtomicFile.write(
                try JSONSerialization.data(
                    withJSONObject: map, options: [.sortedKeys, .prettyPrinted]),
                to: "\(output)/special_tokens_map.json")
            let report: [String: Any] = [
                "model": model.rawValue, "vocab_size": tokenizer.model.vocabularySize,
                "merges": tokenizer.model.merges.count,
                "distinct_pre_tokens": counter.counts.count, "bytes": counter.bytes,
                "invalid_utf8_repaired": repaired,
                "seconds": Date().timeIntervalSince(start), "input_issues": issues,
            ]
            try AtomicFile.write(
                try JSONSerialization.data(
                    withJSONObject: report, options: [.sortedKeys, .prettyPrinted]),
                to: "\(output)/report.json")
            print(
                "trained \(model.rawValue) with \(tokenizer.model.vocabularySize) tokens (\(tokenizer.model.merges.count) merges) from \(counter.bytes) bytes into \(output)"
            )
        }
    }
}

/// Loads a tokenizer.json given as a file or a directory containing one.
func loadTokenizer(_ path: String) throws -> ByteLevelTokenizer {
    var isDirectory: ObjCBool = false
    let file =
        FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            && isDirectory.boolValue ? "\(path)/tokenizer.json" : path
    _ = try InputPaths.resolve([file])
    do {
        return try ByteLevelTokenizer(
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
                while let line = try reader.nextLine() {
                    out.write(
                        loaded.encode(TextDecoding.decode(line).text).map(String.init).joined(
                            separator: " ") + "\n")
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
                    guard let id = Int(field), id >= 0, id < loaded.model.vocabularySize else {
                        throw UserError(
                            "<stdin>:\(reader.lineNumber): '\(field)' is not a token id below \(loaded.model.vocabularySize)",
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

/// `khudi-tokenize eval`: not built yet.
public struct TokenizerEvalCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Tokenizer metrics: fertility, parity (not built yet: issue #4).")

    @OptionGroup var stage: PlannedStageArguments

    public init() {}

    public func run() throws {
        try stage.refuse(tool: "khudi-tokenize eval", capability: "tokenizer evaluation", issue: 4)
    }
}
