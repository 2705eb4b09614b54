import Foundation
import KhudiCorpus
import KhudiTrain
import Yams

/// The run directory's layout: RUN/<stage>/ outputs, RUN/config/ stage configurations,
/// RUN/state/ cache records, RUN/logs/ stage logs.
extension Recipe {
    public func stageDirectory(_ name: String) -> String { "\(output)/\(name)" }
    public var configurationDirectory: String { "\(output)/config" }

    /// The tokenizer.json the later stages use.
    var tokenizerFile: String? {
        switch tokenizer {
        case .existing(let path):
            var isDirectory: ObjCBool = false
            // A missing path is taken as a file: the stage that reads it names it.
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            return isDirectory.boolValue ? "\(path)/tokenizer.json" : path
        case .train?: return "\(stageDirectory("tokenizer"))/tokenizer.json"
        case .base?, nil:
            if case .base(let base) = model { return "\(base)/tokenizer.json" }
            return nil
        }
    }

    /// The settings khudi-train will read from a `train:`/`finetune:` section.
    func trainingSettings(_ node: Node) throws(ConfigurationError) -> TrainingConfiguration {
        try Self.trainingSettings(node, reader: ConfigurationReader(path: path))
    }

    /// The checkpoint a training stage ends with (khudi-train names it as `CheckpointStore`
    /// does).
    func finalCheckpoint(of stage: String, _ node: Node) throws(ConfigurationError) -> String {
        CheckpointStore(output: stageDirectory(stage), keep: 0).directory(
            step: try trainingSettings(node).steps)
    }

    /// The model the finetune stage starts from.
    func finetuneBase() throws(ConfigurationError) -> String? {
        if let train { return try finalCheckpoint(of: "train", train) }
        if case .base(let base) = model { return base }
        return nil
    }

    /// The stages this recipe runs, in `Stage.order`.
    public func stages() throws(ConfigurationError) -> [Stage] {
        var stages: [Stage] = []
        let configs = configurationDirectory
        if !sources.isEmpty { stages.append(cleanStage()) }
        if case .train(let node)? = tokenizer {
            let file = "\(configs)/tokenizer.yaml"
            let document = tokenizerDocument(node)
            stages.append(
                Stage(
                    name: "tokenizer",
                    commands: [
                        .init(
                            tool: "khudi-tokenize",
                            arguments: [
                                "train", cleanedShards, "--config", file, "--output",
                                stageDirectory("tokenizer"), "--overwrite",
                            ])
                    ], inputs: [], upstream: [Self.cleanedShardFiles],
                    output: stageDirectory("tokenizer"),
                    configuration: { [(file, document)] }))
        }
        if let tokenizerFile, !tokenizerTexts.isEmpty || tokenizerParallel != nil {
            var arguments = ["eval", "--tokenizer", tokenizerFile]
            for (language, file) in tokenizerTexts {
                arguments += ["--text", "\(language)=\(file)"]
            }
            if let tokenizerParallel { arguments += ["--parallel", tokenizerParallel] }
            let report = "\(stageDirectory("tokenizer-eval"))/parity"
            stages.append(
                Stage(
                    name: "tokenizer-eval",
                    // One run writes both reports (it used to run twice, once per format).
                    commands: [
                        .init(
                            tool: "khudi-tokenize",
                            arguments: arguments + ["--json-output", report + ".json"],
                            standardOutput: report + ".md")
                    ],
                    inputs: tokenizerTexts.map(\.1) + (tokenizerParallel.map { [$0] } ?? [])
                        + externalTokenizer,
                    upstream: upstreamTokenizer, output: stageDirectory("tokenizer-eval"),
                    configuration: { [] }))
        }
        if let train { stages += try trainStages(train) }
        if let finetune { stages.append(try finetuneStage(finetune)) }
        stages += try evaluationStages()
        return stages
    }

    /// The clean stage's shards, which the tokenizer and encode stages read (khudi-clean also
    /// writes rejected.jsonl beside them, which they must not).
    static let cleanedShardFiles = "clean/shard-*.jsonl"
    var cleanedShards: String { "\(output)/\(Self.cleanedShardFiles)" }

    /// The tokenizer file when it comes from outside the run.
    var externalTokenizer: [String] {
        if case .existing(let path) = tokenizer { return [path] }
        return []
    }

    var upstreamTokenizer: [String] {
        if case .train? = tokenizer { return ["tokenizer/tokenizer.json"] }
        return []
    }

    func cleanStage() -> Stage {
        let file = "\(configurationDirectory)/clean.yaml"
        var mapping = clean?.mapping ?? Node.Mapping([])
        let languages = Set(sources.compactMap(\.language))
        if mapping["languages"] == nil, !languages.isEmpty,
            sources.allSatisfy({ $0.language != nil })
        {
            mapping["languages"] = Node(languages.sorted().map { Node($0) })
        }
        let document = Self.yaml(Node.mapping(mapping))
        return Stage(
            name: "clean",
            commands: [
                .init(
                    tool: "khudi-clean",
                    arguments: sources.map(\.path) + [
                        "--output", stageDirectory("clean"), "--config", file, "--overwrite",
                    ])
            ], inputs: sources.map(\.path), upstream: [], output: stageDirectory("clean"),
            configuration: { [(file, document)] })
    }

    /// The tokenizer section as a khudi-tokenize configuration: the recipe's default vocabulary
    /// size, and the sources' weights as language weights.
    func tokenizerDocument(_ node: Node) -> String {
        var mapping = node.mapping ?? Node.Mapping([])
        if mapping["vocab_size"] == nil { mapping["vocab_size"] = Node("32000", Tag(.int)) }
        var weights: [String: Double] = [:]
        for source in sources where source.weight != 1 {
            if let language = source.language { weights[language] = source.weight }
        }
        if mapping["language_weights"] == nil, !weights.isEmpty {
            mapping["language_weights"] = Node(
                weights.sorted { $0.key < $1.key }.map {
                    (Node($0.key), Node(String($0.value), Tag(.float)))
                })
        }
        return Self.yaml(Node.mapping(mapping))
    }

    static func yaml(_ node: Node) -> String {
        (try? Yams.serialize(node: node, allowUnicode: true)) ?? "{}\n"
    }
}
