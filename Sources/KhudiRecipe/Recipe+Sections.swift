import Foundation
import KhudiCorpus
import KhudiTrain
import Yams

extension Recipe {
    typealias PathReader = (Node) throws(ConfigurationError) -> String
    typealias PathsReader = (Node) throws(ConfigurationError) -> [String]

    mutating func readData(
        _ node: Node, reader: ConfigurationReader, paths: PathsReader, resolved: PathReader
    ) throws(ConfigurationError) {
        for (key, _, value) in try reader.mapping(node, allowed: Self.dataKeys) {
            switch key {
            case "sources":
                for item in try reader.list(value) {
                    if item.scalar != nil {
                        sources.append(Source(path: try resolved(item), language: nil, weight: 1))
                        continue
                    }
                    var source = Source(path: "", language: nil, weight: 1)
                    for (field, _, entry) in try reader.mapping(item, allowed: Self.sourceKeys) {
                        switch field {
                        case "path": source.path = try resolved(entry)
                        case "language": source.language = try reader.language(entry).code
                        default: source.weight = try reader.weight(entry)
                        }
                    }
                    guard !source.path.isEmpty else {
                        throw reader.error(item, "a source needs a path")
                    }
                    sources.append(source)
                }
            case "instructions": instructions = try paths(value)
            case "validation_instructions": validationInstructions = try paths(value)
            default:
                chatTemplate = try reader.choice(value, ChatTemplate.all.map(\.name))
            }
        }
    }

    mutating func readTokenizer(
        _ node: Node, reader: ConfigurationReader, resolved: PathReader
    ) throws(ConfigurationError) {
        let pairs = try reader.mapping(node, allowed: Self.tokenizerKeys)
        if let (_, _, value) = pairs.first(where: { $0.0 == "path" }) {
            guard pairs.count == 1 else {
                throw reader.error(
                    node, "tokenizer.path names an existing tokenizer; drop the training keys")
            }
            tokenizer = .existing(try resolved(value))
        } else {
            _ = try TokenizerTrainingConfiguration.load(node: node, path: reader.path)
            tokenizer = .train(node)
        }
    }

    /// Checks a `train:` or `finetune:` section the way khudi-train will read it.
    static func validateTraining(
        _ node: Node, reader: ConfigurationReader
    ) throws(ConfigurationError) {
        let settings = try trainingSettings(node, reader: reader)
        do {
            try settings.validate()
        } catch {
            throw reader.error(node, "\(error)")
        }
    }

    /// A `train:`/`finetune:` section read as khudi-train reads its `train:` and `data:` parts.
    static func trainingSettings(
        _ node: Node, reader: ConfigurationReader
    ) throws(ConfigurationError) -> TrainingConfiguration {
        let (train, data) = try splitTraining(node, reader: reader)
        return try TrainingConfigurationFile.load(
            node: Node([(Node("train"), train), (Node("data"), data)]), path: reader.path
        ).training
    }

    /// A `train:`/`finetune:` section's `launcher`: the command (a list of words, no shell) that
    /// starts khudi-train under a launcher such as `mpirun` or `srun`; empty when not set.
    static func launcher(
        of node: Node, reader: ConfigurationReader
    ) throws(ConfigurationError) -> [String] {
        guard let value = node.mapping?[launcherKey] else { return [] }
        var words: [String] = []
        for item in try reader.list(value) {
            let word = try reader.string(item)
            guard !word.isEmpty else { throw reader.error(item, "a launcher word cannot be empty") }
            words.append(word)
        }
        return words
    }

    /// A `train:`/`finetune:` section split into khudi-train's `train:` and `data:` parts
    /// (without `launcher`, which is the runner's).
    static func splitTraining(
        _ node: Node, reader: ConfigurationReader
    ) throws(ConfigurationError) -> (train: Node, data: Node) {
        var train: [(Node, Node)] = []
        var data: [(Node, Node)] = []
        for (key, keyNode, value) in try reader.mapping(node, allowed: trainKeys)
        where key != launcherKey {
            if dataOptionKeys.contains(key) {
                data.append((keyNode, value))
            } else {
                train.append((keyNode, value))
            }
        }
        return (Node(train), Node(data))
    }

    mutating func readEval(
        _ node: Node, reader: ConfigurationReader, paths: PathsReader, resolved: PathReader
    ) throws(ConfigurationError) {
        for (key, _, value) in try reader.mapping(node, allowed: Self.evalKeys) {
            switch key {
            case "perplexity": perplexityTexts = try paths(value)
            case "sample":
                var sample = Sample()
                for (field, _, entry) in try reader.mapping(value, allowed: Self.sampleKeys) {
                    switch field {
                    case "prompts":
                        if entry.scalar != nil {
                            sample.prompts = [try reader.string(entry)]
                        } else {
                            for item in try reader.list(entry) {
                                sample.prompts.append(try reader.string(item))
                            }
                        }
                    case "max_new_tokens": sample.maxNewTokens = try reader.positive(entry)
                    case "temperature": sample.temperature = try reader.double(entry)
                    default: sample.topK = try reader.int(entry)
                    }
                }
                guard !sample.prompts.isEmpty else {
                    throw reader.error(value, "eval.sample needs at least one prompt")
                }
                self.sample = sample
            default:
                for (field, _, entry) in try reader.mapping(value, allowed: ["text", "parallel"]) {
                    if field == "parallel" {
                        tokenizerParallel = try resolved(entry)
                    } else {
                        for (language, _, file) in try reader.mapping(entry, allowed: nil) {
                            tokenizerTexts.append((language, try resolved(file)))
                        }
                    }
                }
            }
        }
    }

    /// The mode of a training section (khudi-train's default when absent).
    static func mode(of node: Node?) -> TrainingConfiguration.Mode? {
        guard let node else { return nil }
        guard let value = node.mapping?["mode"]?.string else {
            return TrainingConfiguration().mode
        }
        return TrainingConfiguration.Mode(rawValue: value)
    }

    /// Sections that need another section say so, pointing at the section that needs it.
    func checkStages(
        reader: ConfigurationReader, root: Node, sections: [String: (Node, Node)]
    ) throws(ConfigurationError) {
        func fail(_ section: String, _ message: String) -> ConfigurationError {
            let node = sections[section]?.0 ?? root
            return reader.error(node, message)
        }
        let trainMode = Self.mode(of: train)
        if let trainMode {
            switch (trainMode, model) {
            case (.pretrain, .base?):
                throw fail("train", "train.mode pretrain starts from model.config, not model.base")
            case (.pretrain, nil):
                throw fail("train", "train.mode pretrain needs model.config")
            case (.full, nil), (.lora, nil):
                throw fail("train", "train.mode \(trainMode.rawValue) needs model.base")
            case (.full, .configFile?), (.full, .inlineConfig?), (.lora, .configFile?),
                (.lora, .inlineConfig?):
                throw fail(
                    "train",
                    "train.mode \(trainMode.rawValue) starts from model.base, not model.config")
            default: break
            }
            guard !sources.isEmpty else {
                throw fail(
                    "train", "train needs data.sources: its token shards are encoded from them")
            }
            if tokenizer == nil, trainMode == .pretrain {
                throw fail(
                    "train", "pretraining needs a tokenizer: tokenizer.path or tokenizer settings")
            }
        }
        if finetune != nil {
            guard !instructions.isEmpty else {
                throw fail("finetune", "finetune needs data.instructions (JSONL)")
            }
            if Self.mode(of: finetune) == .pretrain {
                throw fail("finetune", "finetune.mode must be lora or full")
            }
            guard train != nil || { if case .base = model { true } else { false } }() else {
                throw fail("finetune", "finetune needs a train section or model.base to start from")
            }
        } else if !instructions.isEmpty {
            throw fail("data", "data.instructions are used by a finetune section; add one")
        }
        let hasModel =
            train != nil || finetune != nil || { if case .base = model { true } else { false } }()
        if !perplexityTexts.isEmpty || sample != nil || gguf, !hasModel {
            throw fail(
                sections["export"] != nil && gguf ? "export" : "eval",
                "there is no model to evaluate or export: add train, finetune or model.base")
        }
        if !tokenizerTexts.isEmpty || tokenizerParallel != nil, tokenizer == nil {
            throw fail("eval", "eval.tokenizer needs a tokenizer section")
        }
        if case .train? = tokenizer, sources.isEmpty {
            throw fail("tokenizer", "training a tokenizer needs data.sources")
        }
    }

    /// `root` with the top-level defaults written out.
    func resolvedDocument(_ root: Node) -> Node {
        var mapping = root.mapping ?? Node.Mapping([])
        mapping["name"] = Node(name)
        mapping["seed"] = Node(String(seed), Tag(.int))
        mapping["output"] = Node(output)
        return Node.mapping(mapping)
    }
}
