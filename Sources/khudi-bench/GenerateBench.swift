import ArgumentParser
import Foundation
import KhudiCLI
import KhudiModels
import KhudiNN
import KhudiTensor

/// Times prompt processing and single-stream greedy generation on randomly initialised models
/// of the shapes `scripts/bench/generate` also builds in transformers.
struct GenerateBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Prompt and generation tokens/s of random GPT-2-small and ~40M Llama models.")

    @Option(help: "Case: llama-40m or gpt2-small.")
    var model: String

    @Option(help: "Prompt tokens.")
    var promptTokens = 128

    @Option(help: "Tokens to generate (every one, no early stop).")
    var newTokens = 64

    @Option(help: "Prompts in the batched-generation case.")
    var batch = 8

    @Flag(help: "Decode from bfloat16 copies of the weights.")
    var bfloat16 = false

    @OptionGroup var threadOptions: ThreadOptions

    func run() throws {
        let threads = threadOptions.apply()
        var generator = SeededGenerator(seed: 1)
        let start = DispatchTime.now().uptimeNanoseconds
        let language: any LanguageModel
        switch model {
        case "llama-40m":
            language = LlamaModel(try Self.llama40M(), generator: &generator)
        case "gpt2-small":
            language = GPT2Model(
                GPT2Configuration(
                    vocabularySize: 50257, contextLength: 1024, dimension: 768, layerCount: 12,
                    heads: 12),
                generator: &generator)
        default:
            throw ValidationError("unknown --model '\(model)' (llama-40m, gpt2-small)")
        }
        if bfloat16 { language.useBFloat16Decoding() }
        let built = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let prompt = (0..<promptTokens).map { Int32(($0 * 7919 + 13) % 1000) }
        // Prompt processing: one cached forward over the whole prompt.
        var promptSeconds = Double.infinity
        for _ in 0..<3 {
            let caches = language.makeCaches(batch: 1, capacity: promptTokens)
            let begin = DispatchTime.now().uptimeNanoseconds
            _ = try language.logits(prompt, batch: 1, length: promptTokens, caches: caches)
            promptSeconds = min(
                promptSeconds, Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9)
        }
        // What generation runs for a prompt: the same pass keeping only the last logits.
        var lastOnlySeconds = Double.infinity
        for _ in 0..<3 {
            let caches = language.makeCaches(batch: 1, capacity: promptTokens)
            let begin = DispatchTime.now().uptimeNanoseconds
            _ = try language.logits(
                prompt, length: promptTokens, following: [caches], lastPositionOnly: true)
            lastOnlySeconds = min(
                lastOnlySeconds, Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9)
        }
        var options = GenerationOptions()
        options.maximumNewTokens = newTokens
        var output: [[Int32]] = []
        var total = Double.infinity  // best of three
        for _ in 0..<3 {
            let begin = DispatchTime.now().uptimeNanoseconds
            output = try Generator(model: language, options: options).generate([prompt])
            total = min(total, Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9)
        }
        // A batch of different prompts decoded together: new tokens per second, prompts included.
        let prompts: [[Int32]] = (0..<batch).map { (row: Int) -> [Int32] in
            let shift: Int = row * 104_729 + 13
            return (0..<promptTokens).map { (i: Int) -> Int32 in Int32((i * 7919 + shift) % 1000) }
        }
        options.batchSize = batch
        var batchSeconds = Double.infinity
        for _ in 0..<3 {
            let begin = DispatchTime.now().uptimeNanoseconds
            let outputs = try Generator(model: language, options: options).generate(prompts)
            precondition(outputs.allSatisfy { $0.count == newTokens })
            batchSeconds = min(
                batchSeconds, Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9)
        }
        let line: [String: Any] = [
            "bench": "generate", "model": model, "threads": threads, "bfloat16": bfloat16,
            "parameters": language.parameterCount, "build_seconds": built,
            "prompt_tokens_per_second": Double(promptTokens) / promptSeconds,
            "prompt_last_logits_tokens_per_second": Double(promptTokens) / lastOnlySeconds,
            "batch": batch,
            "batch_tokens_per_second": Double(batch * newTokens) / batchSeconds,
            // The first token costs a prompt pass; the rest are one position each.
            "generate_tokens_per_second": Double(output[0].count - 1)
                / max(total - promptSeconds, 1e-9),
            "generated": output[0].count,
        ]
        let data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    /// A Llama of about 40M parameters: 16k vocabulary, 512 wide, 8 layers, 8 heads over 4
    /// key/value heads, SwiGLU 1376, untied head.
    static func llama40M() throws -> LlamaConfiguration {
        try LlamaConfiguration(
            huggingFaceConfig: [
                "model_type": "llama", "vocab_size": 16000, "hidden_size": 512,
                "intermediate_size": 1376, "num_hidden_layers": 8, "num_attention_heads": 8,
                "num_key_value_heads": 4, "max_position_embeddings": 1024, "rms_norm_eps": 1e-5,
                "tie_word_embeddings": false, "rope_theta": 10000.0,
            ], path: "llama-40m")
    }
}
