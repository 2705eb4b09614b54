import ArgumentParser
import CBLAS
import Foundation
import KhudiCLI
import KhudiModels
import KhudiNN
import KhudiTensor
import KhudiTokenizer
import KhudiTrain

/// Training throughput of the reference configurations on random weights and random
/// tokens: tokens/s over timed steps after warm-up, model FLOP/s (6·N per token plus
/// attention's 12·layers·width·sequence), and raw `cblas_sgemm` GFLOP/s measured in the same
/// process as the ceiling.
struct TrainBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Training tokens/s of gpt2-full and llama-lora (scripts/bench/train).")

    @Option(help: "Case: gpt2-full or llama-lora.")
    var model: String

    @Option(help: "Timed optimizer steps (after two warm-up steps).")
    var steps = 6

    @OptionGroup var threadOptions: ThreadOptions

    func run() throws {
        let threads = threadOptions.apply()
        // Under mpirun the batch of 8 is split across the data-parallel ranks.
        let communicator = try makeCommunicator()
        var settings = TrainingConfiguration()
        settings.microBatchSize = 8 / communicator.size
        settings.sequenceLength = 256
        settings.steps = steps + 2
        settings.learningRate = 1e-4
        settings.minimumLearningRate = 1e-5
        settings.warmupSteps = 1
        settings.validationFraction = 0
        var generator = SeededGenerator(seed: 1)
        let language: any LanguageModel
        switch model {
        case "gpt2-full":
            settings.mode = .full
            language = GPT2Model(
                GPT2Configuration(
                    vocabularySize: 16_000, contextLength: 256, dimension: 384, layerCount: 6,
                    heads: 6),
                generator: &generator)
        case "llama-lora":
            settings.mode = .lora
            settings.lora.rank = 8
            settings.lora.alpha = 16
            settings.lora.targets = ["q_proj", "k_proj", "v_proj", "o_proj"]
            language = LlamaModel(try GenerateBench.llama40M(), generator: &generator)
        default:
            throw ValidationError("unknown --model '\(model)' (gpt2-full, llama-lora)")
        }
        let work = NSTemporaryDirectory() + "khudi-bench-train-\(getpid())-\(communicator.rank)"
        defer { try? FileManager.default.removeItem(atPath: work) }
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let count = settings.steps * settings.microBatchSize * settings.sequenceLength + 1
        var random = SeededGenerator(seed: 2)
        let tokens = (0..<count).map { _ in Int(random.next() % 16_000) }
        try TokenShard.encode(tokens: tokens, documents: 1, vocabularySize: 16_000, eosID: 0)
            .write(to: URL(fileURLWithPath: "\(work)/train.bin"))
        let data = try PackedTokenDataset(
            paths: ["\(work)/train.bin"], sequenceLength: settings.sequenceLength)
        try Trainer.prepare(language, for: settings)
        let trainer = try Trainer(
            model: language, configuration: settings, training: data, output: work,
            communicator: communicator)
        for _ in 0..<2 { _ = try trainer.takeStep() }
        let start = DispatchTime.now().uptimeNanoseconds
        var loss = 0.0
        for _ in 0..<steps { loss = try trainer.takeStep().loss }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let tokensPerSecond =
            Double(steps * communicator.size * settings.microBatchSize * settings.sequenceLength)
            / seconds
        let flopsPerToken = Trainer.flopsPerToken(
            language, sequenceLength: settings.sequenceLength)
        guard communicator.rank == 0 else { return }
        let line: [String: Any] = [
            "bench": "train", "model": model, "threads": threads, "steps": steps,
            "ranks": communicator.size,
            "tokens_per_second": tokensPerSecond, "parameters": language.parameterCount,
            "trainable": trainer.store.trainableCount, "final_loss": loss,
            "model_gflops_per_second": flopsPerToken * tokensPerSecond / 1e9,
            "sgemm_gflops_per_second": Self.sgemmGFLOPs(),
        ]
        let json = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }

    /// Raw `cblas_sgemm` throughput on a training-sized product (2048 × 1536 × 512), best of
    /// a few calls after one warm-up.
    static func sgemmGFLOPs() -> Double {
        let (m, n, k) = (2048, 1536, 512)
        let a = [Float](repeating: 0.5, count: m * k)
        let b = [Float](repeating: 0.25, count: k * n)
        var c = [Float](repeating: 0, count: m * n)
        var best = Double.infinity
        BLASLibrary.require()
        for _ in 0..<6 {
            let start = DispatchTime.now().uptimeNanoseconds
            khudi_cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a,
                Int32(k), b, Int32(n), 0, &c, Int32(n))
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return 2 * Double(m * n * k) / best / 1e9
    }
}
