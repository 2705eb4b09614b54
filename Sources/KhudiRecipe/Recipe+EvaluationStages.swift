import Foundation
import KhudiCorpus
import KhudiTrain

/// perplexity → sample → export, over the models the run produced (or the base it was given).
extension Recipe {
    /// The final model as `khudi generate` takes it: a model directory and, after LoRA, the
    /// adapter over it.
    func finalModel() throws(ConfigurationError) -> (
        model: String, adapter: String?, upstream: [String]
    )? {
        func files(_ directories: String...) -> [String] {
            directories.filter { $0.hasPrefix(output + "/") }.map {
                Self.relativeTo(output, $0) + "/*"
            }
        }
        if let finetune, let base = try finetuneBase() {
            let final = try finalCheckpoint(of: "finetune", finetune)
            let isLoRA = Self.mode(of: finetune) != .full
            return isLoRA ? (base, final, files(base, final)) : (final, nil, files(final))
        }
        if let train {
            let final = try finalCheckpoint(of: "train", train)
            if Self.mode(of: train) == .lora, case .base(let base) = model {
                return (base, final, files(final))
            }
            return (final, nil, files(final))
        }
        if case .base(let base) = model { return (base, nil, []) }
        return nil
    }

    func evaluationStages() throws(ConfigurationError) -> [Stage] {
        var stages: [Stage] = []
        var externalModel: [String] = []
        if case .base(let base) = model { externalModel = [base] }
        if !perplexityTexts.isEmpty {
            var arguments = ["perplexity"]
            var upstream: [String] = []
            if let train {
                upstream.append("train/checkpoints/*")
                if Self.mode(of: train) == .pretrain {
                    upstream.append("train/initial/*")
                    arguments += ["--model", "\(stageDirectory("train"))/initial"]
                } else if case .base(let base) = model {
                    arguments += ["--model", base]
                }
                arguments += ["--checkpoints", "\(stageDirectory("train"))/checkpoints/step-*"]
            } else if case .base(let base) = model {
                arguments += ["--model", base]
            }
            if let finetune {
                upstream.append("finetune/checkpoints/*")
                arguments += ["--model", try finalCheckpoint(of: "finetune", finetune)]
            }
            for text in perplexityTexts { arguments += ["--text", text] }
            arguments += ["--output", stageDirectory("perplexity")]
            stages.append(
                Stage(
                    name: "perplexity",
                    commands: [
                        .init(
                            tool: "khudi-eval", arguments: arguments,
                            standardOutput: "\(stageDirectory("perplexity"))/summary.md")
                    ], inputs: perplexityTexts + externalModel, upstream: upstream,
                    output: stageDirectory("perplexity"), configuration: { [] }))
        }
        guard let final = try finalModel() else { return stages }
        if let sample {
            var arguments = ["generate", "--model", final.model]
            if let adapter = final.adapter { arguments += ["--adapter", adapter] }
            for prompt in sample.prompts { arguments += ["--prompt", prompt] }
            arguments += [
                "--max-new-tokens", String(sample.maxNewTokens), "--temperature",
                String(sample.temperature), "--top-k", String(sample.topK), "--seed", String(seed),
            ]
            stages.append(
                Stage(
                    name: "sample",
                    commands: [
                        .init(
                            tool: "khudi", arguments: arguments,
                            standardOutput: "\(stageDirectory("sample"))/sample.txt")
                    ], inputs: externalModel, upstream: final.upstream,
                    output: stageDirectory("sample"), configuration: { [] }))
        }
        if gguf {
            let export = stageDirectory("export")
            var commands: [Stage.Command] = []
            var source = final.model
            if let adapter = final.adapter {
                source = "\(export)/merged"
                commands.append(
                    .init(
                        tool: "khudi",
                        arguments: [
                            "model", "merge", final.model, "--adapter", adapter, "--output", source,
                        ]))
            }
            commands.append(
                .init(
                    tool: "khudi",
                    arguments: [
                        "model", "gguf", source, "--output", "\(export)/\(name).gguf", "--dtype",
                        ggufType,
                    ]))
            stages.append(
                Stage(
                    name: "export", commands: commands, inputs: externalModel,
                    upstream: final.upstream, output: export, configuration: { [] }))
        }
        return stages
    }
}
