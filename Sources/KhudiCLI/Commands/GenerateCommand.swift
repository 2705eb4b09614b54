import ArgumentParser
import Foundation
import KhudiModels
import KhudiTokenizer

/// `khudi generate`: continue prompts with a model directory's own tokenizer, streaming text.
public struct GenerateCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Continue prompts with a model (GPT-2, Llama, Mistral or Qwen2 directory).",
        discussion: """
            The directory holds config.json, model.safetensors and tokenizer.json (Hugging Face \
            layout, as Khudi saves and transformers writes). Generation stops at the model's end \
            tokens (generation_config.json, else config.json, else the tokenizer's end of text), \
            at a --stop string (cut off), or after --max-new-tokens. With one prompt the text \
            streams as it is generated; with --prompts each continuation is one output line \
            (newlines escaped as \\n). --temperature 0 (the default) is greedy decoding.
            """)

    @Option(help: "The model directory.")
    var model: String

    @Option(
        help: ArgumentHelp(
            "A PEFT LoRA adapter directory to apply (adapter_config.json, adapter_model.safetensors).",
            discussion: "Its layers keep Float32 under --bfloat16."))
    var adapter: String?

    @Option(help: "A prompt (repeatable).")
    var prompt: [String] = []

    @Option(help: "A file of prompts, one per line.")
    var prompts: String?

    @Option(help: "Tokens to generate at most per prompt.")
    var maxNewTokens = 64

    @Option(help: "0 for greedy decoding; higher samples more freely.")
    var temperature: Float = 0

    @Option(help: "Sample only among the k most likely tokens (0: all).")
    var topK = 0

    @Option(help: "Sample only among the most likely tokens whose probability reaches p.")
    var topP: Float = 1

    @Option(help: "Above 1 discourages repeating tokens already present.")
    var repetitionPenalty: Float = 1

    @Option(help: "Stop when the text contains this string (repeatable; the string is cut).")
    var stop: [String] = []

    @Option(help: "Seed of the sampling.")
    var seed: UInt64 = 0

    @Flag(
        help: ArgumentHelp(
            "Decode from bfloat16 copies of the weights (about twice as fast).",
            discussion:
                "Logits then differ from Float32 ones by bfloat16's rounding of the weights."))
    var bfloat16 = false

    @OptionGroup var threadOptions: ThreadOptions

    public init() {}

    public func run() throws {
        try reportingErrors(tool: "khudi generate") {
            try threadOptions.applyLoadingBLAS()
            var texts = prompt
            if let prompts {
                guard let data = FileManager.default.contents(atPath: prompts) else {
                    throw UserError("cannot read '\(prompts)'", exitCode: ExitStatus.noInput)
                }
                texts += String(decoding: data, as: UTF8.self).split(
                    separator: "\n", omittingEmptySubsequences: true
                ).map(String.init)
            }
            guard !texts.isEmpty else {
                throw UserError("give --prompt TEXT or --prompts FILE", exitCode: ExitStatus.usage)
            }
            guard FileManager.default.fileExists(atPath: model) else {
                throw UserError("'\(model)' does not exist", exitCode: ExitStatus.noInput)
            }
            let directory: ModelDirectory
            do {
                directory = try ModelDirectory(model)
            } catch {
                throw UserError("\(error)", exitCode: ExitStatus.dataError)
            }
            guard let tokenizer = directory.tokenizer else {
                throw UserError(
                    "\(model) has no tokenizer.json to turn prompts into tokens",
                    exitCode: ExitStatus.dataError)
            }
            printError(directory.summary)
            if let adapter {
                do {
                    let count = try LoRAAdapter.load(directory: adapter, into: directory.model)
                    printError("adapter \(adapter): LoRA on \(count) layers")
                } catch {
                    throw UserError("\(error)", exitCode: ExitStatus.dataError)
                }
            }
            if bfloat16 { directory.model.useBFloat16Decoding() }
            var options = GenerationOptions()
            options.maximumNewTokens = maxNewTokens
            options.temperature = temperature
            options.topK = topK
            options.topP = topP
            options.repetitionPenalty = repetitionPenalty
            options.seed = seed
            options.stopTokens = directory.endOfSequenceIDs
            let streaming = texts.count == 1
            let output = StopStrings(stops: stop)
            let ids = texts.map { tokenizer.encode($0, addingSpecialTokens: true).map(Int32.init) }
            var generated = [[Int]](repeating: [], count: ids.count)
            var written = 0  // scalars of the streamed text already on stdout
            do {
                _ = try Generator(model: directory.model, options: options).generate(ids) {
                    index, token in
                    generated[index].append(Int(token))
                    if streaming {
                        let (text, stopped) = output.cut(tokenizer.decode(generated[index]))
                        written += Self.write(text, from: written, final: stopped, holding: output)
                        return !stopped
                    }
                    // A stop string completed by this token lies within the last few tokens
                    // (each is at least a byte): decoding only those keeps this linear.
                    guard !output.stops.isEmpty else { return true }
                    let tail = generated[index].suffix(4 * output.longest + 4)
                    return !output.cut(tokenizer.decode(Array(tail))).stopped
                }
            } catch {
                throw UserError("\(error)", exitCode: ExitStatus.dataError)
            }
            if streaming {
                let (text, _) = output.cut(tokenizer.decode(generated[0]))
                written += Self.write(text, from: written, final: true, holding: output)
                print("")
            } else {
                for ids in generated {
                    let (text, _) = output.cut(tokenizer.decode(ids))
                    print(
                        text.replacingOccurrences(of: "\\", with: "\\\\")
                            .replacingOccurrences(of: "\n", with: "\\n"))
                }
            }
        }
    }

    /// Writes the scalars of `text` after the first `from` to stdout and returns how many.
    ///
    /// Until `final`, the tail that could still become a stop string is held back, and so is a
    /// trailing U+FFFD (a token that ends inside a UTF-8 sequence).
    static func write(_ text: String, from: Int, final: Bool, holding stops: StopStrings) -> Int {
        var scalars = Array(text.unicodeScalars)
        if !final {
            if scalars.last == "\u{FFFD}" { scalars.removeLast() }
            scalars.removeLast(min(scalars.count, stops.longest - 1))
        }
        guard scalars.count > from else { return 0 }
        let fresh = String(String.UnicodeScalarView(scalars[from...]))
        FileHandle.standardOutput.write(Data(fresh.utf8))
        return scalars.count - from
    }
}

/// The `--stop` strings: text is cut at the earliest one.
struct StopStrings {
    let stops: [String]
    /// The longest stop string in scalars (at least 1).
    let longest: Int

    init(stops: [String]) {
        self.stops = stops.filter { !$0.isEmpty }
        longest = max(1, self.stops.map(\.unicodeScalars.count).max() ?? 1)
    }

    /// `text` up to the first stop string, and whether there was one.
    func cut(_ text: String) -> (text: String, stopped: Bool) {
        let positions = stops.compactMap { text.range(of: $0)?.lowerBound }
        guard let first = positions.min() else { return (text, false) }
        return (String(text[..<first]), true)
    }
}
