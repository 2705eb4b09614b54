import ArgumentParser

/// The `khudi` front door.
///
/// It runs recipes (`khudi run`), checks them and their results, and holds the model tools.
public struct KhudiCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "khudi",
        abstract: "Train language models for Urdu and the languages of Pakistan, offline, on CPUs.",
        discussion: """
            Khudi is a pipeline of stages, each its own executable that reads and writes plain files:
              khudi-clean      clean, language-tag and deduplicate raw text
              khudi-tokenize   train and apply tokenizers
              khudi-train      pretrain, fine-tune and LoRA-tune
              khudi-eval       score checkpoints (perplexity, bits per byte)

            `khudi run RECIPE.yaml` runs a whole recipe through them (`khudi recipe check|schema` \
            validates one and lists every key), writing a provenance manifest that `khudi verify` \
            checks (`khudi key generate` makes a signing key). Also: `khudi doctor` (machine, BLAS \
            and MPI check, also under mpirun/srun), `khudi safetensors show|convert`, `khudi \
            generate` (continue prompts with a model directory, optionally with a LoRA adapter), \
            `khudi model init|show|gguf|merge`.
            """,
        version: KhudiVersion.string,
        subcommands: [
            DoctorCommand.self, GenerateCommand.self, ModelCommand.self, SafeTensorsCommand.self,
            RunCommand.self, RecipeCommand.self, VerifyCommand.self, KeyCommand.self,
        ]
    )

    public init() {}
}
