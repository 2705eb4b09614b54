import ArgumentParser
import Foundation
import KhudiModels

/// `khudi model`: create, inspect and export model directories.
public struct ModelCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Create, inspect and export model directories (Hugging Face layout).",
        subcommands: [
            ModelInitCommand.self, ModelShowCommand.self, ModelGGUFCommand.self,
            ModelMergeCommand.self,
        ])

    public init() {}

    /// Opens a model directory; missing exits 66, broken 65.
    static func open(_ path: String) throws -> ModelDirectory {
        guard FileManager.default.fileExists(atPath: path) else {
            throw UserError("'\(path)' does not exist", exitCode: ExitStatus.noInput)
        }
        do {
            return try ModelDirectory(path)
        } catch {
            throw UserError("\(error)", exitCode: ExitStatus.dataError)
        }
    }

    /// Refuses an existing output unless `overwrite`.
    static func checkOutput(_ path: String, overwrite: Bool) throws {
        if FileManager.default.fileExists(atPath: path) && !overwrite {
            throw UserError(
                "'\(path)' already exists; use --overwrite to replace it",
                exitCode: ExitStatus.cannotCreate)
        }
    }
}

/// `khudi model init --config config.json --output DIR`: random weights to pretrain from.
public struct ModelInitCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "init",
        abstract:
            "Create a model directory with fresh weights from a config.json (GPT-2 or Llama).",
        discussion: """
            With --tokenizer, vocab_size becomes the tokenizer's and tokenizer.json is copied in. \
            The same --seed gives the same weights.
            """)

    @Option(help: "A Hugging Face config.json (model_type gpt2, llama, mistral or qwen2).")
    var config: String

    @Option(help: "A tokenizer.json to pair with the model.")
    var tokenizer: String?

    @Option(help: "The model directory to create.")
    var output: String

    @Option(help: "Seed of the initialisation.")
    var seed: UInt64 = 0

    @Flag(help: "Replace --output if it exists.")
    var overwrite = false

    public init() {}

    public func run() throws {
        try reportingErrors(tool: "khudi model init") {
            try ModelCommand.checkOutput(output, overwrite: overwrite)
            for path in [config] + (tokenizer.map { [$0] } ?? [])
            where !FileManager.default.fileExists(atPath: path) {
                throw UserError("'\(path)' does not exist", exitCode: ExitStatus.noInput)
            }
            do {
                let directory = try ModelDirectory.initialize(
                    config: config, tokenizer: tokenizer, seed: seed, output: output)
                print(directory.summary)
            } catch {
                throw UserError("\(error)", exitCode: ExitStatus.dataError)
            }
        }
    }
}

/// `khudi model show DIR`: the one-line summary of a model directory, after loading it.
public struct ModelShowCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Load a model directory and summarise it.")

    @Argument(help: "The model directory.")
    var directory: String

    public init() {}

    public func run() throws {
        try reportingErrors(tool: "khudi model show") {
            let model = try ModelCommand.open(directory)
            print(model.summary)
            if let tokenizer = model.tokenizer {
                print("tokenizer: \(tokenizer.vocabularySize) tokens")
            }
            let ends = model.endOfSequenceIDs.sorted().map(String.init).joined(separator: ", ")
            print("end of sequence: \(ends.isEmpty ? "none" : ends)")
        }
    }
}

/// `khudi model gguf DIR --output FILE.gguf`: for llama.cpp, Ollama, LM Studio.
public struct ModelGGUFCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "gguf",
        abstract: "Export a model directory (and its tokenizer) as a GGUF file.",
        discussion: """
            GPT-2 becomes llama.cpp's gpt2 architecture, Llama and Mistral llama (q and k rows \
            permuted for its interleaved RoPE), Qwen2 qwen2. --dtype f16 halves the matrices; norms \
            and biases stay F32.
            """)

    @Argument(help: "The model directory.")
    var directory: String

    @Option(help: "The .gguf file to write.")
    var output: String

    @Option(help: "f32 or f16.")
    var dtype = "f16"

    @Flag(help: "Replace --output if it exists.")
    var overwrite = false

    public init() {}

    public func run() throws {
        try reportingErrors(tool: "khudi model gguf") {
            let type: GGUFWriter.TensorType
            switch dtype.lowercased() {
            case "f32": type = .f32
            case "f16": type = .f16
            default:
                throw UserError(
                    "--dtype '\(dtype)' is not one of f32, f16", exitCode: ExitStatus.usage)
            }
            try ModelCommand.checkOutput(output, overwrite: overwrite)
            let model = try ModelCommand.open(directory)
            if model.tokenizer == nil {
                printError(
                    "khudi model gguf: warning: \(directory) has no tokenizer.json; the file will have no vocabulary"
                )
            }
            do {
                try GGUFExport.write(model, to: output, type: type)
            } catch {
                throw UserError("\(error)", exitCode: ExitStatus.cannotCreate)
            }
            print("wrote \(output) (\(dtype.uppercased()))")
        }
    }
}

/// `khudi model merge DIR --adapter ADAPTER --output OUT`: a standalone model with a LoRA
/// adapter folded into its weights.
public struct ModelMergeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Fold a PEFT LoRA adapter into a model and save the result as a new directory.",
        discussion: """
            Each adapted weight becomes W + scale · B·A, so the output computes what the base \
            with the adapter computed, with no adapter to load. config.json keeps the base's \
            fields; tokenizer and generation files are copied.
            """)

    @Argument(help: "The base model directory.")
    var directory: String

    @Option(help: "The adapter directory (adapter_config.json, adapter_model.safetensors).")
    var adapter: String

    @Option(help: "The model directory to write.")
    var output: String

    @Flag(help: "Replace --output if it exists.")
    var overwrite = false

    public init() {}

    public func run() throws {
        try reportingErrors(tool: "khudi model merge") {
            try ThreadOptions.loadBLAS()
            try ModelCommand.checkOutput(output, overwrite: overwrite)
            let base = try ModelCommand.open(directory)
            let merged: Int
            do {
                try LoRAAdapter.load(directory: adapter, into: base.model)
                merged = LoRAAdapter.merge(into: base.model)
            } catch {
                throw UserError("\(error)", exitCode: ExitStatus.dataError)
            }
            do {
                try base.model.save(
                    directory: output, configurationFields: base.configurationFields,
                    metadata: ["khudi_merged_adapter": adapter], maximumShardBytes: nil)
                for name in ModelDirectory.companionFileNames
                where FileManager.default.fileExists(atPath: "\(directory)/\(name)") {
                    try? FileManager.default.removeItem(atPath: "\(output)/\(name)")
                    try FileManager.default.copyItem(
                        atPath: "\(directory)/\(name)", toPath: "\(output)/\(name)")
                }
            } catch {
                throw UserError("\(error)", exitCode: ExitStatus.cannotCreate)
            }
            print("wrote \(output) (\(merged) layers merged)")
        }
    }
}
