import Foundation
import KhudiCorpus
import KhudiTrain
import Yams

/// What `khudi-train CONFIG.yaml` reads.
///
/// The `model:`, `data:`, `train:` and `output:` parts of a recipe, also usable on its own. Paths are relative to the file; unknown keys and wrong
/// types are errors naming the file, line and column, with a near-miss suggestion.
///
/// ```yaml
/// model:
///   config: llama-small.json     # pretrain: a config.json (fresh weights from train.seed)
///   base: models/base            # full, lora: a Hugging Face model directory
///   tokenizer: tokenizer.json    # pretrain: its vocabulary and special ids; copied along
/// data:
///   train: [shards/train-*.bin]  # token shards (khudi-tokenize encode --shards), globs allowed
///   validation: [shards/valid.bin]   # else the last validation_fraction of train is held out
///   validation_fraction: 0.05
///   shuffle: true                # a seeded order each epoch; false: stream order
///   document_masking: false      # true: attention stays within each packed document
///   instructions: [sft.jsonl]    # instead of train: conversations, loss on responses only
///   validation_instructions: [sft-valid.jsonl]
///   chat_template: khudi         # khudi or chatml; saved in tokenizer_config.json
/// train:
///   mode: pretrain               # pretrain, full or lora
///   steps: 1000
///   micro_batch_size: 8
///   gradient_accumulation: 1
///   sequence_length: 256
///   learning_rate: 6.0e-4
///   min_learning_rate: 6.0e-5
///   schedule: cosine             # constant, cosine or wsd
///   warmup_steps: 100
///   decay_steps: 100             # wsd only
///   weight_decay: 0.1
///   beta1: 0.9
///   beta2: 0.95
///   epsilon: 1.0e-8
///   gradient_clip: 1.0           # 0: off
///   evaluation_interval: 100     # 0: only at the end
///   evaluation_batches: 20
///   checkpoint_interval: 500     # 0: only at the end
///   keep_checkpoints: 3          # 0: keep all
///   log_interval: 10
///   seed: 1
///   lora: { rank: 8, alpha: 16, targets: [q_proj, k_proj, v_proj, o_proj], rslora: false,
///           dropout: 0.0 }
/// output: runs/small             # checkpoints/, metrics.jsonl, loss.svg, summary.json
/// ```
public struct TrainingConfigurationFile: Sendable {
    public init() {}

    public var training = TrainingConfiguration()
    public var modelConfig: String?
    public var baseModel: String?
    public var tokenizer: String?
    public var trainShards: [String] = []
    public var validationShards: [String] = []
    /// Instruction JSONL (instead of shards), rendered through `chatTemplate`.
    public var instructions: [String] = []
    public var validationInstructions: [String] = []
    public var chatTemplate = ChatTemplate.khudi
    public var output: String?

    public static let sections: Set<String> = ["model", "data", "train", "output"]
    public static let modelKeys: Set<String> = ["config", "base", "tokenizer"]
    public static let dataKeys: Set<String> = [
        "train", "validation", "validation_fraction", "shuffle", "document_masking", "instructions",
        "validation_instructions", "chat_template",
    ]
    public static let trainKeys: Set<String> = [
        "mode", "steps", "micro_batch_size", "gradient_accumulation", "sequence_length",
        "learning_rate", "min_learning_rate", "schedule", "warmup_steps", "decay_steps",
        "weight_decay", "beta1", "beta2", "epsilon", "gradient_clip", "evaluation_interval",
        "evaluation_batches", "checkpoint_interval", "keep_checkpoints", "log_interval", "seed",
        "lora",
    ]
    public static let loraKeys: Set<String> = ["rank", "alpha", "targets", "rslora", "dropout"]

    /// Reads YAML `text` (from `path`) with `overrides` (`a.b=value`, each value YAML) applied.
    public static func load(
        yaml text: String, path: String, overrides: [String] = []
    ) throws(ConfigurationError) -> TrainingConfigurationFile {
        var root = try ConfigurationReader.compose(yaml: text, path: path) ?? Node([(Node, Node)]())
        for override in overrides { root = try ConfigurationReader.applying(override, to: root) }
        return try load(node: root, path: path)
    }

    /// Reads an already composed document; `path` names it in errors and anchors relative paths.
    public static func load(
        node root: Node, path: String
    ) throws(ConfigurationError)
        -> TrainingConfigurationFile
    {
        let reader = ConfigurationReader(path: path)
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        func resolved(_ node: Node) throws(ConfigurationError) -> String {
            let given = try reader.string(node)
            return given.hasPrefix("/") ? given : directory.appendingPathComponent(given).path
        }
        func paths(_ node: Node) throws(ConfigurationError) -> [String] {
            if node.scalar != nil { return [try resolved(node)] }
            var list: [String] = []
            for item in try reader.list(node) { list.append(try resolved(item)) }
            return list
        }
        var file = TrainingConfigurationFile()
        for (section, _, value) in try reader.mapping(root, allowed: sections) {
            switch section {
            case "model":
                for (key, _, entry) in try reader.mapping(value, allowed: modelKeys) {
                    switch key {
                    case "config": file.modelConfig = try resolved(entry)
                    case "base": file.baseModel = try resolved(entry)
                    default: file.tokenizer = try resolved(entry)
                    }
                }
            case "data":
                for (key, _, entry) in try reader.mapping(value, allowed: dataKeys) {
                    switch key {
                    case "train": file.trainShards = try paths(entry)
                    case "validation": file.validationShards = try paths(entry)
                    case "shuffle": file.training.shuffle = try reader.bool(entry)
                    case "document_masking": file.training.documentMasking = try reader.bool(entry)
                    case "instructions": file.instructions = try paths(entry)
                    case "validation_instructions": file.validationInstructions = try paths(entry)
                    case "chat_template":
                        let name = try reader.choice(entry, ChatTemplate.all.map(\.name))
                        file.chatTemplate = ChatTemplate.all.first { $0.name == name } ?? .khudi
                    default: file.training.validationFraction = try reader.double(entry)
                    }
                }
            case "train": try readTrain(value, into: &file.training, reader: reader)
            default: file.output = try resolved(value)
            }
        }
        return file
    }

    public static func readTrain(
        _ node: Node, into t: inout TrainingConfiguration, reader: ConfigurationReader
    ) throws(ConfigurationError) {
        func float(_ node: Node) throws(ConfigurationError) -> Float {
            Float(try reader.double(node))
        }
        for (key, _, v) in try reader.mapping(node, allowed: trainKeys) {
            switch key {
            case "mode": t.mode = try reader.enumValue(v)
            case "steps": t.steps = try reader.positive(v)
            case "micro_batch_size": t.microBatchSize = try reader.positive(v)
            case "gradient_accumulation": t.gradientAccumulation = try reader.positive(v)
            case "sequence_length": t.sequenceLength = try reader.positive(v)
            case "learning_rate": t.learningRate = try float(v)
            case "min_learning_rate": t.minimumLearningRate = try float(v)
            case "schedule": t.schedule = try reader.enumValue(v)
            case "warmup_steps": t.warmupSteps = try reader.int(v)
            case "decay_steps": t.decaySteps = try reader.int(v)
            case "weight_decay": t.weightDecay = try float(v)
            case "beta1": t.beta1 = try float(v)
            case "beta2": t.beta2 = try float(v)
            case "epsilon": t.epsilon = try float(v)
            case "gradient_clip": t.gradientClip = try float(v)
            case "evaluation_interval": t.evaluationInterval = try reader.int(v)
            case "evaluation_batches": t.evaluationBatches = try reader.positive(v)
            case "checkpoint_interval": t.checkpointInterval = try reader.int(v)
            case "keep_checkpoints": t.keepCheckpoints = try reader.int(v)
            case "log_interval": t.logInterval = try reader.positive(v)
            case "seed":
                let seed = try reader.int(v)
                guard seed >= 0 else { throw reader.error(v, "a seed must be 0 or more") }
                t.seed = UInt64(seed)
            default:
                for (field, _, entry) in try reader.mapping(v, allowed: loraKeys) {
                    switch field {
                    case "rank": t.lora.rank = try reader.positive(entry)
                    case "alpha": t.lora.alpha = try float(entry)
                    case "rslora": t.lora.rankStabilized = try reader.bool(entry)
                    case "dropout": t.lora.dropout = try float(entry)
                    default:
                        if entry.scalar != nil {
                            t.lora.targets = [try reader.string(entry)]
                        } else {
                            var targets: [String] = []
                            for item in try reader.list(entry) {
                                targets.append(try reader.string(item))
                            }
                            t.lora.targets = targets
                        }
                    }
                }
            }
        }
    }
}
