import Foundation
import KhudiModels
import KhudiNN
import KhudiTensor

extension Trainer {
    /// Saves the model (or, in LoRA mode, the adapter in PEFT layout), the optimizer's moments
    /// (`optimizer.safetensors`) and `trainer_state.json` (written last) as one checkpoint.
    @discardableResult
    public func saveCheckpoint(
        events: (TrainingEvent) -> Void = { _ in }
    ) throws(TrainingError)
        -> String
    {
        // Rank 0 writes; the others hold the same state and name the same directory.
        guard communicator.rank == 0 else { return checkpoints.directory(step: step) }
        let state = TrainerState(
            step: step, cursor: sampler.cursor, seed: configuration.seed,
            configuration: configuration, tokens: tokens, baseModel: baseModel)
        let path = try checkpoints.write(step: step) { directory throws(TrainingError) in
            do {
                if configuration.mode == .lora {
                    try LoRAAdapter.save(from: model, directory: directory, baseModel: baseModel)
                } else {
                    try model.save(
                        directory: directory, configurationFields: configurationFields,
                        metadata: ["khudi_step": "\(step)"], maximumShardBytes: nil)
                    for file in companionFiles {
                        let name = (file as NSString).lastPathComponent
                        try FileManager.default.copyItem(
                            atPath: file, toPath: "\(directory)/\(name)")
                    }
                }
            } catch {
                throw .checkpoint(path: directory, reason: "\(error)")
            }
            var writer = SafeTensorsWriter(metadata: ["step": "\(optimizer.step)"])
            let count = store.trainableCount
            writer.add("exp_avg", shape: [count], values: optimizer.firstMoment)
            writer.add("exp_avg_sq", shape: [count], values: optimizer.secondMoment)
            do {
                try writer.write(to: "\(directory)/optimizer.safetensors")
            } catch {
                throw .checkpoint(path: directory, reason: "\(error)")
            }
            try Self.write(state, to: "\(directory)/trainer_state.json")
        }
        events(.checkpoint(step: step, path: path))
        return path
    }

    static func write(_ state: TrainerState, to path: String) throws(TrainingError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(state) else {
            throw .checkpoint(path: path, reason: "the state cannot be encoded")
        }
        if let failure = writeAtomically(Array(data), to: path) {
            throw .checkpoint(path: path, reason: failure)
        }
    }

    /// The state stored in checkpoint `directory`.
    public static func state(in directory: String) throws(TrainingError) -> TrainerState {
        let path = "\(directory)/trainer_state.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .checkpoint(
                path: directory, reason: "no trainer_state.json (not a complete checkpoint)")
        }
        let state: TrainerState
        do {
            state = try JSONDecoder().decode(TrainerState.self, from: data)
        } catch {
            throw .checkpoint(path: path, reason: "unreadable: \(error)")
        }
        guard state.format == TrainerState.currentFormat else {
            throw .checkpoint(
                path: path,
                reason: "format '\(state.format)', expected \(TrainerState.currentFormat)")
        }
        return state
    }

    /// Continues from checkpoint `directory`, whose weights (or adapter) the model was
    /// already loaded from: restores the step, the data cursor and the optimizer's moments.
    ///
    /// The settings that shape the run (everything but the number of steps and the intervals)
    /// must equal the checkpoint's.
    public func resume(from directory: String) throws(TrainingError) {
        let state = try Self.state(in: directory)
        guard state.configuration.sameRun(as: configuration) else {
            throw .checkpoint(
                path: directory,
                reason:
                    "its settings differ from this run's (only steps, intervals and keep_checkpoints may change on resume)"
            )
        }
        let path = "\(directory)/optimizer.safetensors"
        let first: [Float]
        let second: [Float]
        let optimizerStep: Int
        do {
            let file = try SafeTensorsFile(path: path)
            first = try file.floats("exp_avg")
            second = try file.floats("exp_avg_sq")
            optimizerStep = Int(file.metadata["step"] ?? "") ?? state.step
        } catch {
            throw .checkpoint(path: path, reason: "\(error)")
        }
        guard first.count == store.trainableCount, second.count == store.trainableCount else {
            throw .checkpoint(
                path: path,
                reason:
                    "moments for \(first.count) parameters, but the model trains \(store.trainableCount)"
            )
        }
        optimizer.restore(step: optimizerStep, firstMoment: first, secondMoment: second)
        sampler = SequenceSampler(
            sequences: sampler.sequences, seed: configuration.seed,
            shuffles: configuration.shuffle, cursor: state.cursor)
        step = state.step
        tokens = state.tokens
    }
}

extension TrainingConfiguration {
    /// Whether `other` continues the same run: equal in everything but the step count, the
    /// evaluation, checkpoint and log intervals and the checkpoints kept.
    public func sameRun(as other: TrainingConfiguration) -> Bool {
        var free: [WritableKeyPath<TrainingConfiguration, Int>] = [
            \.evaluationInterval, \.checkpointInterval, \.keepCheckpoints, \.logInterval,
            \.evaluationBatches,
        ]
        // The schedule's length is part of the run under cosine and wsd decay.
        if schedule == .constant { free.append(\.steps) }
        var a = self
        var b = other
        for key in free {
            a[keyPath: key] = 0
            b[keyPath: key] = 0
        }
        return a == b
    }
}
