import Foundation
import KhudiCorpus
import KhudiTokenizer
import KhudiTrain
import Yams

/// encode → train → finetune: each writes a khudi-train configuration into RUN/config/.
extension Recipe {
    /// A problem found when a stage's configuration is written (after earlier stages ran).
    public struct StagePreparationError: Error, CustomStringConvertible {
        public var description: String
    }

    func trainStages(_ node: Node) throws(ConfigurationError) -> [Stage] {
        guard let tokenizerFile else { return [] }
        var stages: [Stage] = []
        let tokens = stageDirectory("encode")
        stages.append(
            Stage(
                name: "encode",
                commands: [
                    .init(
                        tool: "khudi-tokenize",
                        arguments: [
                            "encode", "--tokenizer", tokenizerFile, cleanedShards,
                            "--output", tokens, "--shard-tokens", String(shardTokens),
                            "--overwrite",
                        ])
                ], inputs: externalTokenizer,
                upstream: [Self.cleanedShardFiles] + upstreamTokenizer,
                output: tokens, configuration: { [] }))
        let file = "\(configurationDirectory)/train.yaml"
        let modelConfig = "\(configurationDirectory)/model-config.json"
        var modelSection: [(Node, Node)] = []
        var inputs = externalTokenizer
        var configurationFiles: @Sendable () throws -> [(path: String, text: String)] = { [] }
        switch model {
        case .configFile(let path):
            modelSection = [(Node("config"), Node(path)), (Node("tokenizer"), Node(tokenizerFile))]
            inputs.append(path)
        case .inlineConfig(let config):
            modelSection = [
                (Node("config"), Node(modelConfig)), (Node("tokenizer"), Node(tokenizerFile)),
            ]
            let text = Self.yaml(config)
            configurationFiles = {
                [(modelConfig, try Self.modelConfigJSON(text, tokenizer: tokenizerFile))]
            }
        case .base(let base):
            modelSection = [(Node("base"), Node(base))]
            inputs.append(base)
        case nil: return stages
        }
        let document = try trainingDocument(
            node, model: Node(modelSection),
            data: [(Node("train"), Node([Node("\(tokens)/tokens-*.bin")]))],
            output: stageDirectory("train"))
        let writeModel = configurationFiles
        stages.append(
            Stage(
                name: "train",
                commands: [.init(tool: "khudi-train", arguments: [file], launcher: trainLauncher)],
                resumeArguments: ["--resume", stageDirectory("train")], inputs: inputs,
                upstream: ["encode/tokens-*.bin"] + upstreamTokenizer,
                output: stageDirectory("train"),
                configuration: { try writeModel() + [(file, document)] }))
        return stages
    }

    func finetuneStage(_ node: Node) throws(ConfigurationError) -> Stage {
        let file = "\(configurationDirectory)/finetune.yaml"
        let base = try finetuneBase() ?? ""
        var data: [(Node, Node)] = [
            (Node("instructions"), Node(instructions.map { Node($0) })),
            (Node("chat_template"), Node(chatTemplate)),
        ]
        if !validationInstructions.isEmpty {
            data.append(
                (Node("validation_instructions"), Node(validationInstructions.map { Node($0) })))
        }
        var section = node.mapping ?? Node.Mapping([])
        if section["mode"] == nil { section["mode"] = Node("lora") }
        let document = try trainingDocument(
            Node.mapping(section), model: Node([(Node("base"), Node(base))]), data: data,
            output: stageDirectory("finetune"))
        return Stage(
            name: "finetune",
            commands: [.init(tool: "khudi-train", arguments: [file], launcher: finetuneLauncher)],
            resumeArguments: ["--resume", stageDirectory("finetune")],
            inputs: instructions + validationInstructions + (train == nil ? [base] : []),
            upstream: train == nil ? [] : [Self.relativeTo(output, base) + "/*"],
            output: stageDirectory("finetune"),
            configuration: { [(file, document)] })
    }

    /// `path` relative to the run directory `output`.
    static func relativeTo(_ output: String, _ path: String) -> String {
        path.hasPrefix(output + "/") ? String(path.dropFirst(output.count + 1)) : path
    }

    /// A khudi-train configuration: the section's `train:` keys (the recipe seed unless it sets
    /// one) and data options, with the model, data paths and output the run decides.
    func trainingDocument(
        _ node: Node, model: Node, data: [(Node, Node)], output: String
    ) throws(ConfigurationError) -> String {
        let reader = ConfigurationReader(path: path)
        let (train, options) = try Self.splitTraining(node, reader: reader)
        var trainMapping = train.mapping ?? Node.Mapping([])
        if trainMapping["seed"] == nil { trainMapping["seed"] = Node(String(seed), Tag(.int)) }
        let dataNode = Node(data + Array(options.mapping ?? Node.Mapping([])))
        return Self.yaml(
            Node([
                (Node("model"), model), (Node("data"), dataNode),
                (Node("train"), Node.mapping(trainMapping)), (Node("output"), Node(output)),
            ]))
    }

    /// An inline model configuration as config.json, with `vocab_size` from the tokenizer when
    /// the recipe leaves it out.
    static func modelConfigJSON(_ yaml: String, tokenizer: String) throws -> String {
        guard var config = try Yams.load(yaml: yaml) as? [String: Any] else {
            throw StagePreparationError(description: "model.config must be a mapping")
        }
        if config["vocab_size"] == nil {
            guard let data = FileManager.default.contents(atPath: tokenizer) else {
                throw StagePreparationError(description: "cannot read the tokenizer \(tokenizer)")
            }
            config["vocab_size"] = try loadTokenizer(tokenizerJSON: data).vocabularySize
        }
        let json = try JSONSerialization.data(
            withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: json, as: UTF8.self) + "\n"
    }
}
