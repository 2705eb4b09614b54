import ArgumentParser
import Foundation
import KhudiCorpus
import KhudiText

/// `khudi-clean [run] INPUT... --output DIR`: the cleaning pipeline.
public struct CleanRunCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Clean INPUT files, directories or globs into DIR.",
        discussion: """
            Reads .txt (documents separated by blank lines, or one per line with --line-docs), .jsonl (--text-field) and their .gz forms. Writes DIR/shard-NNNNN.jsonl ({"id","text","lang","lang_score","source",...}), report.json and report.md, and with --write-rejected rejected.jsonl. Refuses to replace an existing DIR unless --overwrite. Every default is documented in `khudi-clean run --help` and the config format in KhudiCorpus/Pipeline/CleaningConfiguration.swift.
            """)

    @Argument(help: "Input files, directories or globs.")
    var inputs: [String]

    @Option(help: "Output directory (must not exist unless --overwrite).")
    var output: String

    @Option(help: "Cleaning configuration (YAML).")
    var config: String?

    @Option(help: "Languages to keep, comma-separated codes, or auto (every language; default).")
    var languages: String?

    @Flag(help: "One document per line (default: documents separated by blank lines).")
    var lineDocs = false

    @Option(help: "The JSON field holding the text in .jsonl input (default: text).")
    var textField: String?

    @Flag(help: "Replace an existing output directory.")
    var overwrite = false

    @Flag(help: "Also write rejected.jsonl with every dropped document and its reason.")
    var writeRejected = false

    @Option(help: "Invalid UTF-8: repair (default) or reject (drop the document, counted).")
    var invalidUTF8: DecodingOptions.Policy?

    @Flag(help: "Print report.json to standard output instead of a summary.")
    var json = false

    @OptionGroup var threadOptions: ThreadOptions

    public init() {}

    public func run() throws {
        try reportingErrors(tool: "khudi-clean") {
            let paths = try InputPaths.resolve(inputs)
            var configuration = CleaningConfiguration()
            if let config {
                _ = try InputPaths.resolve([config])
                do {
                    configuration = try CleaningConfiguration.load(
                        yaml: try String(contentsOfFile: config, encoding: .utf8), path: config)
                } catch let error as ConfigurationError {
                    throw UserError("\(error)", exitCode: ExitStatus.configuration)
                }
            }
            if let languages {
                if languages == "auto" {
                    configuration.languages = nil
                } else {
                    configuration.languages = try languages.split(separator: ",").map { code in
                        guard let language = Language(code: String(code)) else {
                            throw UserError(
                                "unknown language code '\(code)' in --languages (known: \(Language.allCases.map(\.code).joined(separator: ", ")), auto)",
                                exitCode: ExitStatus.usage)
                        }
                        return language
                    }
                }
            }
            if lineDocs { configuration.lineDocuments = true }
            if let textField { configuration.textField = textField }
            if writeRejected { configuration.writesRejected = true }
            if let invalidUTF8 { configuration.rejectsInvalidUTF8 = invalidUTF8 == .reject }
            if FileManager.default.fileExists(atPath: output) && !overwrite {
                throw UserError(
                    "output directory '\(output)' already exists; use --overwrite to replace it",
                    exitCode: ExitStatus.cannotCreate)
            }

            let threads = threadOptions.apply()
            let pipeline = CleaningPipeline(
                configuration: configuration, identifier: try LanguageIdentifier.bundled(),
                threads: threads)
            pipeline.khudiVersion = KhudiVersion.string
            var meter = ProgressMeter(label: "khudi-clean")
            let report: CleaningReport
            do {
                report = try pipeline.run(inputs: paths, output: output, overwrite: overwrite) {
                    progress in
                    meter.update(
                        done: progress.bytesRead, total: progress.totalBytes,
                        detail: "\(progress.documentsRead) docs, \(progress.documentsKept) kept")
                }
            } catch let error as CleaningError {
                throw UserError("\(error)", exitCode: ExitStatus.cannotCreate)
            }
            meter.finish()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print(
                    "read \(report.documentsIn) documents (\(report.bytesIn) bytes), wrote \(report.documentsOut) in \(report.shards.count) shard(s) to \(output)"
                )
                let drops = report.dropped.sorted {
                    ($0.value.documents, $1.key) > ($1.value.documents, $0.key)
                }.map { "\($0.key) \($0.value.documents)" }
                if !drops.isEmpty { print("dropped: \(drops.joined(separator: ", "))") }
                let problems = report.inputIssues.sorted { $0.key < $1.key }.map {
                    "\($0.key) \($0.value)"
                }
                if !problems.isEmpty || report.invalidUTF8Repaired > 0 {
                    print(
                        "input problems: \((problems + ["invalid_utf8_repaired \(report.invalidUTF8Repaired)"]).joined(separator: ", ")) (see report.md)"
                    )
                }
                print(
                    String(
                        format: "%.2f MB/s; report: %@/report.md", report.megabytesPerSecond, output
                    ))
            }
        }
    }
}
