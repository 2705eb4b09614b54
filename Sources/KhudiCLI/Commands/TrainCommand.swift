import ArgumentParser
import Foundation
import KhudiCorpus
import KhudiModels
import KhudiRecipe
import KhudiTokenizer
import KhudiTrain

/// Set by SIGINT/SIGTERM; the training loop polls it between steps.
nonisolated(unsafe) private var stopRequested: sig_atomic_t = 0

/// `khudi-train`: pretraining, full fine-tuning and LoRA from a YAML configuration.
public struct TrainCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "khudi-train",
        abstract: "Pretrain, fine-tune or LoRA-tune GPT-2 and Llama-family models on token shards.",
        discussion: """
            CONFIG.yaml holds model:, data:, train: and output: (every key and its default: \
            Sources/KhudiCLI/README.md, or the TrainingConfigurationFile doc comment). Writes \
            OUTPUT/checkpoints/step-N/ (Hugging Face layout, or a PEFT adapter for lora, with \
            optimizer.safetensors and trainer_state.json), metrics.jsonl, loss.svg and \
            summary.json. Ctrl-C or SIGTERM saves a checkpoint and exits 0; --resume OUTPUT (or a \
            checkpoint directory) continues exactly where it stopped. Under mpirun or srun each \
            rank trains on its slice of every batch (micro_batch_size is per rank) and rank 0 \
            writes.
            """,
        version: KhudiVersion.string)

    @Argument(help: "The training configuration (YAML).")
    var config: String

    @Option(
        name: .customLong("set"),
        help: ArgumentHelp(
            "Override a key: train.steps=200 (repeatable).", valueName: "key.path=value"))
    var overrides: [String] = []

    @Option(
        help: "Continue from the run directory's latest checkpoint, or from a checkpoint directory."
    )
    var resume: String?

    @OptionGroup var threadOptions: ThreadOptions

    public init() {}

    public func run() throws {
        try reportingErrors(tool: "khudi-train") {
            try threadOptions.applyLoadingBLAS()
            // Under mpirun/srun every rank trains on its slice of each batch; rank 0 writes.
            let communicator: any Communicator
            do {
                communicator = try makeCommunicator()
            } catch {
                throw UserError("cannot start MPI: \(error)", exitCode: ExitStatus.software)
            }
            let lead = communicator.rank == 0
            func say(_ line: String) { if lead { printError(line) } }
            let file = try readConfiguration()
            guard let output = file.output else {
                throw UserError(
                    "\(config): output: is required", exitCode: ExitStatus.configuration)
            }
            let settings = file.training
            let checkpoint = try resume.map { try Self.checkpoint(resumingFrom: $0) }
            let (opened, baseDirectory) = try loadModel(
                file, output: output, checkpoint: checkpoint, communicator: communicator)
            let model = opened.model
            let (training, validation, chatConfig) = try data(
                file, settings: settings, baseDirectory: baseDirectory, output: output, lead: lead)
            let trainer: Trainer
            do {
                let adapted = try Trainer.prepare(model, for: settings)
                if !adapted.isEmpty { say("LoRA on \(adapted.count) layers") }
                // Instruction runs carry their chat template in their own tokenizer_config.json.
                let fromBase = ModelDirectory.companionFileNames
                    .filter { chatConfig == nil || $0 != "tokenizer_config.json" }
                    .map { "\(baseDirectory)/\($0)" }
                    .filter { FileManager.default.fileExists(atPath: $0) }
                let companions = (chatConfig.map { [$0] } ?? []) + fromBase
                trainer = try Trainer(
                    model: model, configuration: settings, training: training,
                    validation: validation, output: output,
                    baseModel: settings.mode == .lora ? baseDirectory : nil,
                    companionFiles: companions,
                    configurationFields: opened.configurationFields,
                    communicator: communicator)
                if let checkpoint {
                    try trainer.resume(from: checkpoint)
                    say("resumed from \(checkpoint) at step \(trainer.step)")
                }
            } catch {
                throw UserError("\(error)", exitCode: ExitStatus.dataError)
            }
            let ranks = communicator.size
            say(
                "training \(trainer.store.trainableCount) of \(model.parameterCount) parameters on \(training.sequenceCount) sequences of \(settings.sequenceLength) (\(training.source)), \(ranks * settings.microBatchSize * settings.gradientAccumulation * settings.sequenceLength) tokens per step"
                    + (ranks > 1 ? " over \(ranks) data-parallel ranks" : ""))
            Self.catchStopSignals()
            var progress = TrainingProgress(totalSteps: settings.steps, startStep: trainer.step)
            let outcome: TrainingOutcome
            do {
                outcome = try trainer.run(
                    shouldStop: { stopRequested != 0 },
                    events: { event in if lead { progress.show(event) } })
            } catch {
                progress.finish()
                throw UserError("\(error)", exitCode: ExitStatus.software)
            }
            progress.finish()
            if lead {
                try Self.writeReport(outcome, model: model, settings: settings, output: output)
            }
        }
    }

    /// SIGINT and SIGTERM ask for a clean stop, even when the parent started this process with
    /// them blocked (a test runner, some job launchers): they are unblocked first.
    static func catchStopSignals() {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
        signal(SIGINT) { _ in stopRequested = 1 }
        signal(SIGTERM) { _ in stopRequested = 1 }
    }

    func readConfiguration() throws -> TrainingConfigurationFile {
        guard let data = FileManager.default.contents(atPath: config) else {
            throw UserError.missingInput(config)
        }
        let file: TrainingConfigurationFile
        do {
            file = try TrainingConfigurationFile.load(
                yaml: String(decoding: data, as: UTF8.self), path: config, overrides: overrides)
            try file.training.validate()
        } catch {
            throw UserError("\(error)", exitCode: ExitStatus.configuration)
        }
        return file
    }

    /// The model to train and the directory its files come from: a fresh one from
    /// `model.config` (pretrain, saved as OUTPUT/initial), or `model.base`; on resume, the
    /// checkpoint's weights (or adapter over the base).
    func loadModel(
        _ file: TrainingConfigurationFile, output: String, checkpoint: String?,
        communicator: any Communicator
    ) throws -> (ModelDirectory, String) {
        let settings = file.training
        let base: String
        switch settings.mode {
        case .pretrain:
            guard let modelConfig = file.modelConfig else {
                throw UserError(
                    "\(config): train.mode pretrain needs model.config (a config.json)",
                    exitCode: ExitStatus.configuration)
            }
            base = "\(output)/initial"
            if checkpoint == nil {
                do {
                    // Rank 0 writes the initial weights; the others read them after it.
                    if communicator.rank == 0 {
                        try ModelDirectory.initialize(
                            config: modelConfig, tokenizer: file.tokenizer, seed: settings.seed,
                            output: base)
                    }
                    try communicator.barrier()
                } catch {
                    throw UserError("\(error)", exitCode: ExitStatus.dataError)
                }
            }
        case .full, .lora:
            guard let given = file.baseModel else {
                throw UserError(
                    "\(config): train.mode \(settings.mode.rawValue) needs model.base (a model directory)",
                    exitCode: ExitStatus.configuration)
            }
            guard FileManager.default.fileExists(atPath: given) else {
                throw UserError.missingInput(given, detail: "model.base does not exist")
            }
            base = given
        }
        let weights = settings.mode == .lora ? base : (checkpoint ?? base)
        do {
            let opened = try ModelDirectory(weights)
            if settings.mode == .lora, let checkpoint {
                try LoRAAdapter.load(directory: checkpoint, into: opened.model)
            }
            // LoRA checkpoints refer to the base; full ones hold the model they continue.
            return (opened, settings.mode == .lora ? base : weights)
        } catch {
            throw UserError("\(error)", exitCode: ExitStatus.dataError)
        }
    }

    /// The training and validation data: packed shards, or instruction JSONL rendered through
    /// the chat template with the base's tokenizer (then also the tokenizer_config.json that
    /// carries the template, written into the output and copied into checkpoints).
    func data(
        _ file: TrainingConfigurationFile, settings: TrainingConfiguration, baseDirectory: String,
        output: String, lead: Bool
    ) throws -> (any TrainingData, (any TrainingData)?, String?) {
        guard !file.instructions.isEmpty else {
            guard !file.trainShards.isEmpty else {
                throw UserError(
                    "\(config): data.train (token shards) or data.instructions (JSONL) is required",
                    exitCode: ExitStatus.configuration)
            }
            let training = try dataset(file.trainShards, field: "data.train", settings: settings)
            let validation =
                file.validationShards.isEmpty
                ? nil
                : try dataset(file.validationShards, field: "data.validation", settings: settings)
            return (training, validation, nil)
        }
        let tokenizerPath = file.tokenizer ?? "\(baseDirectory)/tokenizer.json"
        guard let bytes = FileManager.default.contents(atPath: tokenizerPath) else {
            throw UserError.missingInput(
                tokenizerPath, detail: "instruction data needs the model's tokenizer.json")
        }
        let tokenizer: any TextTokenizer
        do {
            tokenizer = try KhudiTokenizer.loadTokenizer(tokenizerJSON: bytes)
        } catch {
            throw UserError("\(tokenizerPath): \(error)", exitCode: ExitStatus.dataError)
        }
        func read(_ patterns: [String]) throws -> InstructionDataset {
            let paths = try InputPaths.resolve(patterns)
            do {
                return try InstructionDataset(
                    paths: paths, tokenizer: tokenizer, template: file.chatTemplate,
                    sequenceLength: settings.sequenceLength)
            } catch {
                throw UserError("\(error)", exitCode: ExitStatus.dataError)
            }
        }
        let training = try read(file.instructions)
        let validation =
            file.validationInstructions.isEmpty ? nil : try read(file.validationInstructions)
        if lead && training.truncated > 0 {
            printError(
                "khudi-train: warning: \(training.truncated) conversations are longer than \(settings.sequenceLength + 1) tokens and were cut"
            )
        }
        // The template travels with the checkpoints: transformers' apply_chat_template renders
        // what the model was trained on.
        let eos = tokenizer.endOfTextID.flatMap { id in
            tokenizer.specialTokens.first { $0.id == id }?.content
        }
        var fields: [String: Any] = [
            "chat_template": file.chatTemplate.jinja, "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": settings.sequenceLength,
        ]
        fields["eos_token"] = eos
        fields["pad_token"] = eos
        let path = "\(output)/tokenizer_config.json"
        if lead {
            try FileManager.default.createDirectory(
                atPath: output, withIntermediateDirectories: true)
            try AtomicFile.writeJSON(fields, to: path)
        }
        return (training, validation, path)
    }

    func dataset(
        _ patterns: [String], field: String, settings: TrainingConfiguration
    ) throws -> PackedTokenDataset {
        let paths = try InputPaths.resolve(patterns)
        do {
            return try PackedTokenDataset(paths: paths, sequenceLength: settings.sequenceLength)
        } catch {
            throw UserError("\(field): \(error)", exitCode: ExitStatus.dataError)
        }
    }

    /// The checkpoint `path` names: itself when complete, else the latest complete one in the
    /// run directory `path`.
    static func checkpoint(resumingFrom path: String) throws -> String {
        if FileManager.default.fileExists(atPath: "\(path)/trainer_state.json") { return path }
        guard let latest = CheckpointStore(output: path, keep: 0).completed().last else {
            throw UserError.missingInput(path, detail: "no complete checkpoint to resume from")
        }
        return latest.path
    }

    /// Writes loss.svg and summary.json and prints the closing summary.
    static func writeReport(
        _ outcome: TrainingOutcome, model: any LanguageModel, settings: TrainingConfiguration,
        output: String
    ) throws {
        let points = LossCurve.points(metrics: "\(output)/metrics.jsonl")
        let svg = LossCurve.svg(
            training: points.training, validation: points.validation,
            title: "khudi-train \(settings.mode.rawValue): loss per step")
        try AtomicFile.write(Data(svg.utf8), to: "\(output)/loss.svg")
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let peakMB = Double(usage.ru_maxrss) / 1024
        let tokensPerSecond = Double(outcome.tokens) / max(outcome.seconds, 1e-9)
        let flops =
            Trainer.flopsPerToken(model, sequenceLength: settings.sequenceLength)
            * Double(outcome.tokens)
        var summary: [String: Any] = [
            "step": outcome.step, "interrupted": outcome.interrupted,
            "tokens": outcome.tokens, "seconds": outcome.seconds,
            "tokens_per_second": tokensPerSecond, "peak_rss_mb": peakMB,
            "gflops_per_second": flops / max(outcome.seconds, 1e-9) / 1e9,
        ]
        summary["last_checkpoint"] = outcome.lastCheckpoint
        summary["validation_loss"] = outcome.finalValidationLoss
        let data = try JSONSerialization.data(
            withJSONObject: summary, options: [.sortedKeys, .prettyPrinted])
        try AtomicFile.write(data, to: "\(output)/summary.json")
        var line = String(
            format: "%@ at step %d: %.0f tokens/s, %.1f GFLOP/s, peak RSS %.0f MB",
            outcome.interrupted ? "stopped" : "done", outcome.step, tokensPerSecond,
            flops / max(outcome.seconds, 1e-9) / 1e9, peakMB)
        if let loss = outcome.finalValidationLoss {
            line += String(
                format: ", validation loss %.4f (perplexity %.2f)", loss, Foundation.exp(loss))
        }
        if let last = outcome.lastCheckpoint { line += ", checkpoint \(last)" }
        printError(line)
    }
}

/// The training progress line: step, loss, learning rate, tokens/s and ETA, live on a
/// terminal and a plain line per event otherwise.
struct TrainingProgress {
    let totalSteps: Int
    let startStep: Int
    let isTerminal = isatty(STDERR_FILENO) != 0
    let start = Date()
    var tokens = 0
    var live = false

    init(totalSteps: Int, startStep: Int) {
        self.totalSteps = totalSteps
        self.startStep = startStep
    }

    mutating func show(_ event: TrainingEvent) {
        switch event {
        case .step(let report):
            tokens += report.tokens
            let elapsed = max(Date().timeIntervalSince(start), 1e-9)
            let done = report.step - startStep
            let eta = Double(totalSteps - report.step) * elapsed / Double(max(1, done))
            let line = String(
                format: "step %d/%d loss %.4f lr %.2e grad %.2f %.0f tokens/s ETA %.0fs",
                report.step, totalSteps, report.loss, Double(report.learningRate),
                Double(report.gradientNorm), Double(tokens) / elapsed, eta)
            if isTerminal {
                FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
                live = true
            } else {
                printError(line)
            }
        case .validation(let step, let loss, let count):
            finish()
            printError(
                String(
                    format: "step %d validation loss %.4f perplexity %.2f (%d tokens)", step, loss,
                    Foundation.exp(loss), count))
        case .checkpoint(let step, let path):
            finish()
            printError("step \(step) checkpoint \(path)")
        }
    }

    mutating func finish() {
        if live { FileHandle.standardError.write(Data("\n".utf8)) }
        live = false
    }
}
