import ArgumentParser

/// The `khudi` front door.
///
/// It will run recipes once the recipe runner lands; today it checks the machine.
public struct KhudiCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "khudi",
        abstract: "Train language models for Urdu and the languages of Pakistan, offline, on CPUs.",
        discussion: """
            Khudi is a pipeline of stages, each its own executable that reads and writes plain files:
              khudi-clean      clean, language-tag and deduplicate raw text
              khudi-tokenize   train and apply tokenizers
              khudi-train      pretrain, fine-tune and LoRA-tune  (not built yet: #7)
              khudi-eval       score checkpoints                  (not built yet: #8)

            Here: `khudi doctor` (machine, BLAS and MPI check, also under mpirun/srun) and \
            `khudi safetensors show|convert` (check and inspect checkpoints, change precision), \
            `khudi generate` (continue prompts with a GPT-2 or Llama-family model directory), \
            `khudi model init|show|gguf` (fresh weights from a config, summaries, GGUF export). \
            `khudi run RECIPE.yaml` will run a whole recipe; it is not built yet (#8).
            """,
        version: KhudiVersion.string,
        subcommands: [
            DoctorCommand.self, GenerateCommand.self, ModelCommand.self, SafeTensorsCommand.self,
            RunCommand.self,
        ]
    )

    public init() {}
}

/// `khudi run RECIPE.yaml`: not built yet; says so after checking the recipe exists.
public struct RunCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run every stage of a recipe file in order (not built yet: issue #8).",
        discussion: "Until the recipe runner lands, run the stage executables one by one."
    )

    @Argument(help: "The recipe file (YAML).")
    var recipe: String

    @OptionGroup var threadOptions: ThreadOptions

    public init() {}

    public func run() throws {
        try reportingErrors(tool: "khudi run") {
            _ = try InputPaths.resolve([recipe])
            throw UserError.notBuiltYet("the recipe runner", issue: 8)
        }
    }
}
