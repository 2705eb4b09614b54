import ArgumentParser
import Foundation
import KhudiCorpus
import KhudiText

/// `khudi-clean train-lid`: trains the character n-gram language-ID model from labelled files.
public struct TrainLanguageIDCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "train-lid",
        abstract: "Train the language-identification model from LANGUAGE=PATH files.",
        discussion: """
            Each file is plain text (one item per line) or JSONL with a "text" field. A tenth of
            the lines (chosen by a hash of the line) is held out and never trained on; use
            `khudi-clean evaluate-lid` on the same sources to score the model on it.
            """)

    @Argument(help: "Labelled sources, e.g. urd=corpus.txt snd=sindhi.jsonl.")
    var sources: [String]

    @Option(help: "Where to write the model (a .tsv file).")
    var output: String

    @Option(help: "Training lines read per language.")
    var linesPerLanguage = 20_000

    @Option(help: "N-grams kept per language.")
    var keep = 4_000

    public init() {}

    public func run() throws {
        try reportingErrors(tool: "khudi-clean train-lid") {
            let corpus = try loadLabelledCorpus(sources, limit: linesPerLanguage)
            let script = ScriptNormalizer()
            let model = NGramModel.train(
                corpus.training.mapValues { $0.map(script.normalize) }, keep: keep)
            try AtomicFile.write(Data(model.serialized().utf8), to: output)
            for (language, lines) in corpus.training.sorted(by: { $0.key.code < $1.key.code }) {
                printError(
                    "\(language.code): trained on \(lines.count) lines, \(corpus.heldOut[language]?.count ?? 0) held out"
                )
            }
        }
    }
}

/// `khudi-clean evaluate-lid`: accuracy and confusion matrix on the held-out lines.
public struct EvaluateLanguageIDCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "evaluate-lid",
        abstract: "Score a language-ID model on the held-out tenth of LANGUAGE=PATH files.")

    @Argument(help: "Labelled sources, as given to train-lid.")
    var sources: [String]

    @Option(help: "Model file (default: the bundled model).")
    var model: String?

    @Option(help: "Only lines with at least this many words count.")
    var minimumWords = 5

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    public init() {}

    public func run() throws {
        try reportingErrors(tool: "khudi-clean evaluate-lid") {
            let corpus = try loadLabelledCorpus(sources, limit: 2_000)
            let identifier = try LanguageIdentifier.load(modelFile: model)
            let evaluation = LanguageIDEvaluation(
                identifier: identifier, heldOut: corpus.heldOut, minimumWords: minimumWords)
            if json {
                let data = try JSONSerialization.data(
                    withJSONObject: evaluation.jsonObject, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print(evaluation.table)
            }
        }
    }
}

func loadLabelledCorpus(_ sources: [String], limit: Int) throws -> LabelledCorpus {
    var corpus = LabelledCorpus()
    for text in sources {
        do {
            let source = try LabelledCorpus.Source(parsing: text)
            guard FileManager.default.fileExists(atPath: source.path) else {
                throw UserError.missingInput(source.path)
            }
            try corpus.add(source, limit: limit)
        } catch let error as CorpusError {
            throw UserError("\(error)", exitCode: ExitStatus.usage)
        }
    }
    return corpus
}
