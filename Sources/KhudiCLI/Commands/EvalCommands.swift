import ArgumentParser
import Foundation
import KhudiEval
import KhudiModels
import KhudiTokenizer
import KhudiTrain

/// `khudi-eval`: scoring checkpoints.
public struct EvalCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "khudi-eval",
        abstract: "Score checkpoints: perplexity and bits per byte (tasks come later).",
        discussion: """
            `khudi-eval perplexity` scores models or a run's checkpoints on text files. The task \
            harness (multiple choice, generation tasks) is not built yet.
            """,
        version: KhudiVersion.string,
        subcommands: [PerplexityCommand.self])

    public init() {}
}

/// `khudi-eval perplexity --model DIR… [--checkpoints GLOB] --text FILE…`.
public struct PerplexityCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "perplexity",
        abstract: "Loss, perplexity and bits per byte of models on text files.",
        discussion: """
            Each --text file is split into documents at blank lines and each document scored \
            with the rolling log-likelihood (windows of the model's context, every token once). \
            Bits per byte divides the negative log-likelihood in bits by the text's UTF-8 bytes, \
            so models with different tokenizers compare. A model directory is a Hugging Face \
            directory with tokenizer.json, or a PEFT adapter (its base_model_name_or_path is \
            loaded and the adapter applied). --checkpoints takes a run's checkpoint directories \
            (a glob such as run/checkpoints/step-*); their steps come from trainer_state.json. \
            Prints the Markdown table; --output DIR also writes perplexity.json, perplexity.md \
            and, for two or more checkpoints, perplexity.svg (loss by step).
            """)

    @Option(help: "A model directory (repeatable).")
    var model: [String] = []

    @Option(help: "A glob of a run's checkpoint directories, e.g. 'run/checkpoints/step-*'.")
    var checkpoints: String?

    @Option(help: "A text file to score (repeatable).")
    var text: [String] = []

    @Option(help: "Tokens per window (default: the model's context).")
    var window: Int?

    @Option(help: "Tokens scored per window (default: the whole window).")
    var stride: Int?

    @Option(help: "Also write perplexity.json, perplexity.md and perplexity.svg here.")
    var output: String?

    @OptionGroup var threadOptions: ThreadOptions

    public init() {}

    public func run() throws {
        try reportingErrors(tool: "khudi-eval perplexity") {
            try threadOptions.applyLoadingBLAS()
            var directories = model
            if let checkpoints { directories += try InputPaths.resolve([checkpoints]).sorted() }
            guard !directories.isEmpty else {
                throw UserError(
                    "give --model DIR or --checkpoints GLOB", exitCode: ExitStatus.usage)
            }
            guard !text.isEmpty else {
                throw UserError("give at least one --text FILE", exitCode: ExitStatus.usage)
            }
            let files = try InputPaths.resolve(text)
            var texts: [(String, String)] = []
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw UserError.missingInput(file, detail: "cannot be read")
                }
                texts.append((file, String(decoding: data, as: UTF8.self)))
            }
            var entries: [PerplexityReport.Entry] = []
            for directory in directories {
                let (model, tokenizer) = try Self.open(directory)
                var evaluation = PerplexityEvaluation(model: model, tokenizer: tokenizer)
                evaluation.window = window
                evaluation.stride = stride
                var results: [PerplexityEvaluation.Result] = []
                for (file, content) in texts {
                    do {
                        results.append(try evaluation.evaluate(text: content, file: file))
                    } catch {
                        throw UserError("\(directory): \(error)", exitCode: ExitStatus.dataError)
                    }
                    printError(
                        String(
                            format: "%@ on %@: perplexity %.2f, %.4f bits per byte",
                            directory, file, results[results.count - 1].perplexity,
                            results[results.count - 1].bitsPerByte))
                }
                let step = try? Trainer.state(in: directory).step
                entries.append(.init(model: directory, step: step, results: results))
            }
            let report = PerplexityReport(entries: entries)
            print(report.markdown(), terminator: "")
            if let output {
                try FileManager.default.createDirectory(
                    atPath: output, withIntermediateDirectories: true)
                try AtomicFile.write(try report.json(), to: "\(output)/perplexity.json")
                try AtomicFile.write(Data(report.markdown().utf8), to: "\(output)/perplexity.md")
                if let svg = report.svg() {
                    try AtomicFile.write(Data(svg.utf8), to: "\(output)/perplexity.svg")
                }
            }
        }
    }

    /// A model and its tokenizer from a model directory, or from a PEFT adapter directory over
    /// its base model.
    static func open(_ directory: String) throws -> (any LanguageModel, any TextTokenizer) {
        guard FileManager.default.fileExists(atPath: directory) else {
            throw UserError.missingInput(directory)
        }
        do {
            let adapterConfig = "\(directory)/adapter_config.json"
            if FileManager.default.fileExists(atPath: adapterConfig) {
                let configuration = try AdapterConfiguration(contentsOf: adapterConfig)
                guard let base = configuration.baseModel else {
                    throw UserError(
                        "\(adapterConfig) names no base_model_name_or_path to apply it to",
                        exitCode: ExitStatus.dataError)
                }
                let resolved = base.hasPrefix("/") ? base : "\(directory)/\(base)"
                let path = FileManager.default.fileExists(atPath: resolved) ? resolved : base
                let opened = try ModelDirectory(path)
                try LoRAAdapter.load(directory: directory, into: opened.model)
                return (opened.model, try tokenizer(of: opened))
            }
            let opened = try ModelDirectory(directory)
            return (opened.model, try tokenizer(of: opened))
        } catch let error as UserError {
            throw error
        } catch {
            throw UserError("\(error)", exitCode: ExitStatus.dataError)
        }
    }

    static func tokenizer(of directory: ModelDirectory) throws -> any TextTokenizer {
        guard let tokenizer = directory.tokenizer else {
            throw UserError(
                "\(directory.path) has no tokenizer.json to turn the text into tokens",
                exitCode: ExitStatus.dataError)
        }
        return tokenizer
    }
}
