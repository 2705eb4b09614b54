import ArgumentParser

/// The arguments every not-yet-built stage already accepts, so that scripts written against
/// the planned interface fail with "not built yet" rather than with a usage error, and missing
/// inputs are reported as they will be once the stage exists.
public struct PlannedStageArguments: ParsableArguments {
    @Argument(help: "Input files, directories or globs.")
    var inputs: [String] = []

    @Option(help: "Output directory.")
    var output: String?

    @OptionGroup var threadOptions: ThreadOptions

    public init() {}

    func refuse(tool: String, capability: String, issue: Int) throws {
        try reportingErrors(tool: tool) {
            _ = try InputPaths.resolve(inputs)
            throw UserError.notBuiltYet(capability, issue: issue)
        }
    }
}

/// `khudi-clean`: the corpus-cleaning stage and its filters.
public struct CleanCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "khudi-clean",
        abstract: "Clean raw Urdu and regional-language text into language-tagged shards.",
        discussion: """
            `khudi-clean INPUT... --output DIR` (the default `run` subcommand) normalizes, identifies languages, redacts personal data, filters and deduplicates, writing shard-NNNNN.jsonl files with report.json and report.md. `normalize` and `identify` work as stdin filters; `train-lid` and `evaluate-lid` build and score the language-ID model.
            """,
        version: KhudiVersion.string,
        subcommands: [
            CleanRunCommand.self, NormalizeCommand.self, IdentifyCommand.self,
            TrainLanguageIDCommand.self, EvaluateLanguageIDCommand.self,
        ],
        defaultSubcommand: CleanRunCommand.self)

    public init() {}
}

/// `khudi-eval`: the evaluation harness.
public struct EvalCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "khudi-eval",
        abstract: "Score checkpoints: perplexity and bits per byte, tasks, tokenizer metrics.",
        discussion: """
            STATUS: not built yet (issue #8). Running it checks the inputs exist, then exits 69.
            """,
        version: KhudiVersion.string)

    @OptionGroup var stage: PlannedStageArguments

    public init() {}

    public func run() throws {
        try stage.refuse(tool: "khudi-eval", capability: "evaluation", issue: 8)
    }
}
