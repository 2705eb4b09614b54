import ArgumentParser

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
