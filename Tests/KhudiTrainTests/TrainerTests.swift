import Foundation
import KhudiModels
import KhudiNN
import KhudiTensor
import KhudiTrain
import Testing

@Suite(.serialized) struct TrainerTests {
    /// Runs `settings` on a fresh tiny Llama over the counting corpus; returns the losses.
    func losses(
        _ settings: TrainingConfiguration, output: String, model: LlamaModel? = nil
    ) throws -> (losses: [Double], trainer: Trainer) {
        let data = try PackedTokenDataset(
            paths: [
                try TrainingFixtures.shard(
                    TrainingFixtures.countingTokens(documents: 60, seed: 2), in: output)
            ],
            sequenceLength: settings.sequenceLength)
        let model = try model ?? TrainingFixtures.llama()
        try Trainer.prepare(model, for: settings)
        let trainer = try Trainer(
            model: model, configuration: settings, training: data, output: output)
        return (try TrainingFixtures.losses(running: trainer), trainer)
    }

    /// k micro-batches of b sequences give the same step as one batch of k·b: the loss is
    /// normalised by the step's target tokens, not per micro-batch.
    @Test func gradientAccumulationEqualsOneLargerBatch() throws {
        let directory = TrainingFixtures.scratch("accumulation")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var reference: (losses: [Double], values: [Float])?
        for (micro, accumulation) in [(8, 1), (4, 2), (2, 4)] {
            var settings = TrainingFixtures.settings(steps: 4)
            settings.microBatchSize = micro
            settings.gradientAccumulation = accumulation
            let run = try losses(settings, output: "\(directory)/\(micro)")
            let values = Array(run.trainer.store.values)
            if let reference {
                for (a, b) in zip(run.losses, reference.losses) {
                    #expect(abs(a - b) <= 1e-5 * abs(b), "\(micro)×\(accumulation): \(a) vs \(b)")
                }
                let worst = zip(values, reference.values).map { abs($0 - $1) }.max() ?? 0
                #expect(worst < 1e-4, "\(micro)×\(accumulation): parameters differ by \(worst)")
            } else {
                reference = (run.losses, values)
            }
        }
    }

    /// A run stopped after step 3 (a signal: checkpoint, clean exit) and resumed from its
    /// checkpoint in a fresh model and trainer gives the uninterrupted run's losses and final
    /// weights bit for bit, with gradient accumulation and a decaying schedule.
    @Test(arguments: [TrainingConfiguration.Mode.pretrain, .lora])
    func resumeReproducesTheUninterruptedRun(_ mode: TrainingConfiguration.Mode) throws {
        let directory = TrainingFixtures.scratch("resume")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var settings = TrainingFixtures.settings(steps: 6)
        settings.mode = mode
        settings.gradientAccumulation = 2
        settings.microBatchSize = 2
        settings.lora.targets = ["q_proj", "v_proj", "down_proj"]
        settings.lora.dropout = 0.1  // masks drawn from (seed, step, micro-batch): resumable
        let whole = try losses(settings, output: "\(directory)/whole")

        let output = "\(directory)/parts"
        let shard = try TrainingFixtures.shard(
            TrainingFixtures.countingTokens(documents: 60, seed: 2), in: output)
        let data = try PackedTokenDataset(paths: [shard], sequenceLength: settings.sequenceLength)
        let first = try TrainingFixtures.llama()
        try Trainer.prepare(first, for: settings)
        let base = "\(directory)/base"
        if mode == .lora {
            try first.save(directory: base)  // the adapter's base, as saved before training
        }
        let firstTrainer = try Trainer(
            model: first, configuration: settings, training: data, output: output,
            baseModel: mode == .lora ? base : nil)
        var seen: [Double] = []
        let stopped = try firstTrainer.run(
            shouldStop: { seen.count == 3 },
            events: { event in
                if case .step(let report) = event { seen.append(report.loss) }
            })
        #expect(stopped.interrupted && stopped.step == 3)
        let checkpoint = try #require(stopped.lastCheckpoint)

        let second: LlamaModel
        if mode == .lora {
            second = try LlamaModel.load(directory: base)
            try LoRAAdapter.load(directory: checkpoint, into: second)
        } else {
            second = try LlamaModel.load(directory: checkpoint)
        }
        try Trainer.prepare(second, for: settings)
        let secondTrainer = try Trainer(
            model: second, configuration: settings, training: data, output: output)
        try secondTrainer.resume(from: checkpoint)
        _ = try secondTrainer.run(events: { event in
            if case .step(let report) = event { seen.append(report.loss) }
        })
        #expect(seen == whole.losses)
        #expect(Array(secondTrainer.store.values) == Array(whole.trainer.store.values))
    }

    /// LoRA dropout changes training, identically for the same seed, and never applies to
    /// validation (no gradients recorded).
    @Test func loraDropoutIsSeededAndOnlyInTraining() throws {
        let directory = TrainingFixtures.scratch("dropout")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var settings = TrainingFixtures.settings(steps: 3)
        settings.mode = .lora
        settings.lora.targets = ["all-linear"]
        let plain = try losses(settings, output: "\(directory)/plain").losses
        settings.lora.dropout = 0.3
        let first = try losses(settings, output: "\(directory)/a")
        let second = try losses(settings, output: "\(directory)/b")
        #expect(first.losses == second.losses)
        #expect(first.losses != plain)
        // B starts at zero, so the first forward is the base model's either way.
        #expect(first.losses[0] == plain[0] && first.losses[2] != plain[2])
        let tokens: [Int32] = [1, 2, 3, 4]
        let model = first.trainer.model
        let a = try GradientMode.withoutGradients {
            try model.logits(tokens, batch: 1, length: 4).values
        }
        let b = try GradientMode.withoutGradients {
            try model.logits(tokens, batch: 1, length: 4).values
        }
        #expect(a == b)
    }

    /// With document masking the first step's loss is the mean of each packed document's own
    /// loss (no token sees another document), which differs from attending across them.
    @Test func documentMaskingKeepsDocumentsApart() throws {
        let directory = TrainingFixtures.scratch("masking")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var settings = TrainingFixtures.settings(steps: 2)
        let across = try losses(settings, output: "\(directory)/across").losses
        settings.documentMasking = true
        let within = try losses(settings, output: "\(directory)/within")
        #expect(within.losses.count == 2 && within.losses[0] != across[0])
        #expect(within.losses.allSatisfy { $0.isFinite })
    }

    @Test func loraTrainsOnlyTheAdapters() throws {
        let directory = TrainingFixtures.scratch("lora")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var settings = TrainingFixtures.settings(steps: 3)
        settings.mode = .lora
        settings.lora.targets = ["all-linear"]
        settings.lora.rank = 4
        let model = try TrainingFixtures.llama()
        let before = model.namedParameters.map { ($0.name, $0.tensor.values) }
        let run = try losses(settings, output: directory, model: model)
        for (name, values) in before {
            let now = model.namedParameters.first { $0.name == name }?.tensor.values
            #expect(now == values, "\(name) changed")
        }
        let adapters = model.linearLayers.compactMap(\.layer.lora)
        #expect(adapters.count == 14)  // every projection, not the head
        #expect(adapters.contains { $0.b.values.contains { $0 != 0 } })
        #expect(
            run.trainer.store.trainableCount == adapters.reduce(0) { $0 + $1.a.count + $1.b.count })
        // The checkpoint is a PEFT adapter that loads back to the same logits.
        let checkpoint = try #require(CheckpointStore(output: directory, keep: 0).completed().last)
        let reloaded = try TrainingFixtures.llama()
        try LoRAAdapter.load(directory: checkpoint.path, into: reloaded)
        let tokens: [Int32] = [1, 2, 3, 4, 5, 6]
        #expect(
            try GradientMode.withoutGradients {
                try model.logits(tokens, batch: 1, length: 6).values
            }
                == (try GradientMode.withoutGradients {
                    try reloaded.logits(tokens, batch: 1, length: 6).values
                }))
    }

    /// Trained for a while, the tiny model's validation loss falls well below the untrained
    /// one, and metrics.jsonl records both kinds of line.
    @Test func validationLossFalls() throws {
        let directory = TrainingFixtures.scratch("falls")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var settings = TrainingFixtures.settings(steps: 80)
        settings.evaluationInterval = 40
        settings.validationFraction = 0.1
        settings.logInterval = 10
        let data = try PackedTokenDataset(
            paths: [
                try TrainingFixtures.shard(
                    TrainingFixtures.countingTokens(documents: 120, seed: 3), in: directory)
            ],
            sequenceLength: settings.sequenceLength)
        let model = try TrainingFixtures.llama()
        try Trainer.prepare(model, for: settings)
        let trainer = try Trainer(
            model: model, configuration: settings, training: data, output: directory)
        let untrained = try #require(try trainer.validationLoss()).loss
        let outcome = try trainer.run()
        let trained = try #require(outcome.finalValidationLoss)
        #expect(trained < 0.6 * untrained, "validation loss \(untrained) → \(trained)")
        let lines = try String(contentsOfFile: "\(directory)/metrics.jsonl", encoding: .utf8)
            .split(separator: "\n")
        #expect(lines.filter { $0.contains(#""kind":"train""#) }.count == 8)
        #expect(lines.filter { $0.contains(#""kind":"validation""#) }.count == 2)
    }

    /// A loss that stops being finite ends the run with the state before the step saved.
    @Test func nonFiniteLossStopsWithTheStateBeforeIt() throws {
        let directory = TrainingFixtures.scratch("nan")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let settings = TrainingFixtures.settings(steps: 6)
        let data = try PackedTokenDataset(
            paths: [
                try TrainingFixtures.shard(
                    TrainingFixtures.countingTokens(documents: 60, seed: 2), in: directory)
            ],
            sequenceLength: settings.sequenceLength)
        let model = try TrainingFixtures.llama()
        try Trainer.prepare(model, for: settings)
        let trainer = try Trainer(
            model: model, configuration: settings, training: data, output: directory)
        var steps = 0
        do {
            _ = try trainer.run(events: { event in
                guard case .step = event else { return }
                steps += 1
                // After step 2 a weight overflows (as a too-high learning rate would make it).
                if steps == 2 { model.finalNorm.weight.data[0] = .infinity }
            })
            Issue.record("training went on past a non-finite loss")
        } catch {
            guard case .nonFinite(let step, let loss, _, let saved) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(step == 3 && !loss.isFinite)
            let state = try Trainer.state(in: try #require(saved))
            #expect(state.step == 2)
            #expect(state.cursor == SequenceSampler.Cursor(epoch: 0, offset: 8))
        }
    }

    /// A checkpoint whose writing fails (here: the disk refuses the model file) leaves the
    /// previous checkpoint as it was and no partial directory behind.
    @Test func aFailedCheckpointKeepsThePreviousOne() throws {
        let directory = TrainingFixtures.scratch("keep")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = CheckpointStore(output: directory, keep: 2)
        for step in 1...3 {
            _ = try store.write(step: step) { path throws(TrainingError) in
                FileManager.default.createFile(
                    atPath: "\(path)/trainer_state.json", contents: Data("\(step)".utf8))
            }
        }
        #expect(store.completed().map(\.step) == [2, 3])  // keep-last-2
        #expect {
            try store.write(step: 4) { path throws(TrainingError) in
                FileManager.default.createFile(
                    atPath: "\(path)/model.safetensors", contents: Data([1]))
                throw .checkpoint(path: path, reason: "No space left on device")
            }
        } throws: { error in
            (error as? TrainingError)?.description.contains("No space left") ?? false
        }
        #expect(store.completed().map(\.step) == [2, 3])
        let names = try FileManager.default.contentsOfDirectory(atPath: store.root).sorted()
        #expect(names == ["step-00000002", "step-00000003"])
        #expect(
            FileManager.default.contents(atPath: "\(store.directory(step: 3))/trainer_state.json")
                == Data("3".utf8))
    }

    @Test func badSettingsAndMismatchesAreNamed() throws {
        let directory = TrainingFixtures.scratch("settings")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let data = try PackedTokenDataset(
            paths: [
                try TrainingFixtures.shard(
                    TrainingFixtures.countingTokens(documents: 20, seed: 2), in: directory)
            ],
            sequenceLength: 16)
        func refusal(_ edit: (inout TrainingConfiguration) -> Void) throws -> String {
            var settings = TrainingFixtures.settings()
            edit(&settings)
            let model = try TrainingFixtures.llama()
            do {
                try Trainer.prepare(model, for: settings)
                _ = try Trainer(
                    model: model, configuration: settings, training: data, output: directory)
            } catch {
                return error.description
            }
            return "accepted"
        }
        #expect(try refusal { $0.microBatchSize = 0 }.contains("train.micro_batch_size"))
        #expect(
            try refusal { $0.sequenceLength = 65 }.contains("exceeds the model's context of 64"))
        #expect(try refusal { $0.learningRate = -1 }.contains("train.learning_rate"))
        #expect(
            try refusal {
                $0.mode = .lora
                $0.lora.targets = ["c_attn"]
            }.contains("matches none of the model's linear layers"))
        let wide = try PackedTokenDataset(
            paths: [
                try TrainingFixtures.shard(
                    Array(0..<60), in: directory, name: "wide.bin", vocabularySize: 500)
            ],
            sequenceLength: 16)
        let model = try TrainingFixtures.llama()
        #expect {
            try Trainer(
                model: model, configuration: TrainingFixtures.settings(), training: wide,
                output: directory)
        } throws: { error in
            (error as? TrainingError)?.description.contains("tokenizer of 500 tokens") ?? false
        }
    }
}
