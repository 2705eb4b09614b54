import ArgumentParser
import Foundation
import KhudiCorpus
import KhudiText

extension Language: ExpressibleByArgument {
    public init?(argument: String) { self.init(code: argument) }
}
extension DigitPolicy: ExpressibleByArgument {}
extension ZWNJPolicy: ExpressibleByArgument {}
extension ScriptNormalizer.HonorificPolicy: ExpressibleByArgument {}

/// Options shared by the stdin filters: how invalid UTF-8 is handled.
public struct DecodingOptions: ParsableArguments {
    public enum Policy: String, ExpressibleByArgument, CaseIterable {
        case repair, reject
    }

    @Option(
        help:
            "Invalid UTF-8: repair (replace with U+FFFD and count) or reject (stop with the line number)."
    )
    var invalidUTF8: Policy = .repair

    public init() {}

    /// Decodes one input line, or throws naming the line under `.reject`.
    func decode(_ bytes: [UInt8], line: Int, source: String, repaired: inout Int) throws -> String {
        let (text, invalid) = TextDecoding.decode(bytes)
        if invalid > 0 {
            if invalidUTF8 == .reject {
                throw UserError(
                    "\(source):\(line): invalid UTF-8 (\(invalid) bad sequence(s)); use --invalid-utf8 repair to replace them",
                    exitCode: ExitStatus.dataError)
            }
            repaired += invalid
        }
        return text
    }
}

/// `khudi-clean normalize`: a stdin-to-stdout filter applying both normalization stages.
public struct NormalizeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "normalize",
        abstract: "Normalize text from standard input, line by line, to standard output.",
        discussion: """
            Script-level cleanup always runs (NFC, presentation forms, invisible controls,
            tatweel, whitespace). With --lang the language's letter table follows: Urdu merges
            are never applied to Sindhi, Pashto or Kashmiri. Use --lang none for script level only.
            """)

    @Option(help: "Language: urd, snd, pbt, pnb, skr, bal, kas, fas, arb, eng, urd_Latn, or none.")
    var lang: String

    @Option(help: "Digits: foldArabicIndic (default), keep, urdu, ascii.")
    var digits: DigitPolicy = .foldArabicIndic

    @Option(help: "ZWNJ: keep, delete or space (default: the language's own).")
    var zwnj: ZWNJPolicy?

    @Flag(help: "Strip vowel marks (lossy for Kashmiri, Saraiki and Shahmukhi).")
    var stripDiacritics = false

    @Option(help: "Honorific ligatures ﷺ ﷻ ﷲ ﷽: keep or expandToUrdu.")
    var honorifics: ScriptNormalizer.HonorificPolicy = .keep

    @OptionGroup var decoding: DecodingOptions

    public init() {}

    public func validate() throws {
        if lang != "none" && Language(code: lang) == nil {
            throw ValidationError(
                "unknown language '\(lang)' (known: \(Language.allCases.map(\.code).joined(separator: ", ")), none)"
            )
        }
    }

    public func run() throws {
        try reportingErrors(tool: "khudi-clean normalize") {
            let script = ScriptNormalizer(honorifics: honorifics)
            let language = Language(code: lang).map {
                LanguageNormalizer(
                    language: $0, digits: digits, zwnj: zwnj, stripsDiacritics: stripDiacritics)
            }
            var reader = LineReader(handle: .standardInput)
            var output = BufferedOutput()
            var repaired = 0
            while let bytes = try reader.nextLine() {
                let text = try decoding.decode(
                    bytes, line: reader.lineNumber, source: "<stdin>", repaired: &repaired)
                var line = script.normalize(text)
                if let language { line = language.normalize(line) }
                output.write(line + "\n")
            }
            output.flush()
            if repaired > 0 {
                printError("khudi-clean normalize: repaired \(repaired) invalid UTF-8 sequence(s)")
            }
        }
    }
}

/// `khudi-clean identify`: language of standard input, as a document or line by line.
public struct IdentifyCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "identify",
        abstract:
            "Identify the language of standard input (one document, or each line with --lines).",
        discussion: """
            Prints `LANGUAGE CONFIDENCE` for the document, followed by its mix when it is
            code-mixed; with --lines, `LANGUAGE<TAB>CONFIDENCE<TAB>LINE` per line ("und" when a
            line has no letters).
            """)

    @Flag(help: "One decision per line instead of one for the whole input.")
    var lines = false

    @Flag(help: "Print JSON.")
    var json = false

    @Option(help: "Model file (default: the bundled model).")
    var model: String?

    @OptionGroup var decoding: DecodingOptions

    public init() {}

    public func run() throws {
        try reportingErrors(tool: "khudi-clean identify") {
            let identifier = try LanguageIdentifier.load(modelFile: model)
            var reader = LineReader(handle: .standardInput)
            var repaired = 0
            var output = BufferedOutput()
            var document: [String] = []
            var cache = WordScoreCache()
            while let bytes = try reader.nextLine() {
                let text = try decoding.decode(
                    bytes, line: reader.lineNumber, source: "<stdin>", repaired: &repaired)
                if lines {
                    let decision = identifier.identify(text, cache: &cache)
                    let code = decision?.language.code ?? "und"
                    let confidence = String(format: "%.3f", decision?.confidence ?? 0)
                    output.write(
                        json
                            ? Self.jsonLine([
                                "lang": code, "score": decision?.confidence ?? 0, "text": text,
                            ]) + "\n" : "\(code)\t\(confidence)\t\(text)\n")
                } else {
                    document.append(text)
                }
            }
            if !lines {
                let decision = identifier.identifyDocument(
                    document.joined(separator: "\n"), cache: &cache)
                let code = decision?.language.code ?? "und"
                if json {
                    output.write(
                        Self.jsonLine([
                            "lang": code, "score": decision?.confidence ?? 0,
                            "mixed": decision?.isCodeMixed ?? false,
                            "mix": Dictionary(
                                uniqueKeysWithValues: (decision?.mix ?? [:]).map {
                                    ($0.key.code, $0.value)
                                }),
                        ]) + "\n")
                } else {
                    output.write("\(code) \(String(format: "%.3f", decision?.confidence ?? 0))\n")
                    if let decision, decision.isCodeMixed {
                        let mix = decision.mix.sorted { $0.value > $1.value }
                            .map { "\($0.key.code) \(String(format: "%.0f%%", 100 * $0.value))" }
                        output.write("code-mixed: \(mix.joined(separator: ", "))\n")
                    }
                }
            }
            output.flush()
            if repaired > 0 {
                printError("khudi-clean identify: repaired \(repaired) invalid UTF-8 sequence(s)")
            }
        }
    }

    static func jsonLine(_ object: [String: Any]) -> String {
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

/// Collects stdout writes into large blocks (print() per line is slow for filters).
struct BufferedOutput {
    private var buffer = Data()

    mutating func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 20 { flush() }
    }

    mutating func write(bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { flush() }
    }

    mutating func flush() {
        FileHandle.standardOutput.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}
