import Foundation
import KhudiTokenizer
import Testing

/// `khudi-train` end to end on a tiny Llama: a run, its files, resume, signals, bad input.
@Suite final class TrainCommandTests {
    let directory = NSTemporaryDirectory() + "khudi-train-cli-\(UUID().uuidString)"
    let vocabulary = 40

    init() throws {
        try FileManager.default.createDirectory(
            atPath: directory + "/shards", withIntermediateDirectories: true)
        let config: [String: Any] = [
            "model_type": "llama", "vocab_size": vocabulary, "hidden_size": 32,
            "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
            "num_key_value_heads": 2, "max_position_embeddings": 64, "rms_norm_eps": 1e-5,
            "tie_word_embeddings": false, "rope_theta": 10000.0, "eos_token_id": vocabulary - 1,
        ]
        try JSONSerialization.data(withJSONObject: config).write(
            to: URL(fileURLWithPath: directory + "/config.json"))
        // Counting runs separated by EOS: learnable, deterministic.
        var tokens: [Int] = []
        for document in 0..<50 {
            tokens += (0..<(8 + document % 9)).map { (document * 7 + $0) % (vocabulary - 1) }
            tokens.append(vocabulary - 1)
        }
        try TokenShard.encode(
            tokens: tokens, documents: 50, vocabularySize: vocabulary, eosID: vocabulary - 1
        ).write(to: URL(fileURLWithPath: directory + "/shards/train-0.bin"))
        try write(
            """
            model:
              config: config.json
            data:
              train: [shards/train-*.bin]
              validation_fraction: 0.1
            train:
              mode: pretrain
              steps: 6
              micro_batch_size: 2
              gradient_accumulation: 2
              sequence_length: 16
              learning_rate: 3.0e-3
              warmup_steps: 2
              evaluation_interval: 3
              evaluation_batches: 2
              checkpoint_interval: 3
              keep_checkpoints: 0
              log_interval: 1
            output: run
            """, to: "train.yaml")
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func write(_ text: String, to name: String) throws {
        try text.write(toFile: "\(directory)/\(name)", atomically: true, encoding: .utf8)
    }

    func train(_ arguments: [String]) throws -> ExecutableRunner.Result {
        try ExecutableRunner.run("khudi-train", arguments)
    }

    /// The losses metrics.jsonl records for training steps, by step.
    func losses(_ run: String) throws -> [Int: String] {
        let text = try String(contentsOfFile: "\(directory)/\(run)/metrics.jsonl", encoding: .utf8)
        var result: [Int: String] = [:]
        for line in text.split(separator: "\n") where line.contains(#""kind":"train""#) {
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let step = try #require(object["step"] as? Int)
            result[step] = "\(try #require(object["loss"] as? Double))"
        }
        return result
    }

    @Test func aRunWritesCheckpointsMetricsCurveAndSummary() throws {
        let result = try train(["\(directory)/train.yaml", "--threads", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("step 6/6 loss"))
        #expect(result.stderr.contains("step 6 validation loss"))
        #expect(result.stderr.contains("done at step 6"))
        let run = "\(directory)/run"
        for file in [
            "metrics.jsonl", "loss.svg", "summary.json", "initial/model.safetensors",
            "checkpoints/step-00000003/model.safetensors",
            "checkpoints/step-00000006/optimizer.safetensors",
            "checkpoints/step-00000006/trainer_state.json",
        ] {
            #expect(FileManager.default.fileExists(atPath: "\(run)/\(file)"), "\(file)")
        }
        let summary = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: "\(run)/summary.json")))
                as? [String: Any])
        #expect(summary["step"] as? Int == 6 && (summary["tokens"] as? Int) == 6 * 2 * 2 * 16)
        #expect((summary["peak_rss_mb"] as? Double ?? 0) > 0)
        #expect(
            try String(contentsOfFile: "\(run)/loss.svg", encoding: .utf8).contains("<polyline"))
        // The checkpoint keeps the base config's special ids.
        let config = try #require(
            try JSONSerialization.jsonObject(
                with: Data(
                    contentsOf: URL(
                        fileURLWithPath: "\(run)/checkpoints/step-00000006/config.json")))
                as? [String: Any])
        #expect(config["eos_token_id"] as? Int == vocabulary - 1)
    }

    /// A run that lost its last checkpoint (killed after step 3) resumes from step 3 and
    /// logs the same losses as the uninterrupted run.
    @Test func resumeContinuesExactly() throws {
        let whole = try train(["\(directory)/train.yaml", "--threads", "1"])
        #expect(whole.status == 0, "\(whole.stderr)")
        let expected = try losses("run")
        let parts = try train([
            "\(directory)/train.yaml", "--threads", "1", "--set", "output=parts",
        ])
        #expect(parts.status == 0)
        try FileManager.default.removeItem(atPath: "\(directory)/parts/checkpoints/step-00000006")
        try FileManager.default.removeItem(atPath: "\(directory)/parts/metrics.jsonl")
        let resumed = try train([
            "\(directory)/train.yaml", "--threads", "1", "--set", "output=parts", "--resume",
            "\(directory)/parts",
        ])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("at step 3"))
        let again = try losses("parts")
        #expect(Set(again.keys) == [4, 5, 6])
        for step in 4...6 { #expect(again[step] == expected[step], "step \(step)") }
    }

    @Test func interruptSavesACheckpointAndExitsCleanly() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ExecutableRunner.path(of: "khudi-train"))
        process.arguments = [
            "\(directory)/train.yaml", "--threads", "1", "--set", "train.steps=5000",
            "--set", "train.checkpoint_interval=0", "--set", "train.evaluation_interval=0",
        ]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let metrics = "\(directory)/run/metrics.jsonl"
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline,
            (try? String(contentsOfFile: metrics, encoding: .utf8))?.contains("\"step\":5") != true
        {
            usleep(50_000)
        }
        process.interrupt()
        let stderr = String(
            decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(stderr)")
        #expect(stderr.contains("stopped at step"))
        let names = try FileManager.default.contentsOfDirectory(
            atPath: "\(directory)/run/checkpoints")
        #expect(names.count == 1 && names[0].hasPrefix("step-"))
    }

    /// Two data-parallel ranks under mpirun, each with micro-batches of 1, take the same steps
    /// as one process with micro-batches of 2: the same losses (to float reassociation), one
    /// set of checkpoints and metrics written by rank 0.
    @Test func dataParallelRanksTrainAsOneProcess() throws {
        guard let mpirun = ExecutableRunner.which("mpirun") else {
            let required = ProcessInfo.processInfo.environment["KHUDI_REQUIRE_MPI"] == "1"
            #expect(!required, "mpirun is not on PATH but KHUDI_REQUIRE_MPI=1")
            return
        }
        let single = try train([
            "\(directory)/train.yaml", "--threads", "1", "--set", "output=single",
        ])
        #expect(single.status == 0, "\(single.stderr)")
        let ranks = try ExecutableRunner.run(
            mpirun,
            [
                "-np", "2", "--oversubscribe", ExecutableRunner.path(of: "khudi-train"),
                "\(directory)/train.yaml", "--threads", "1", "--set", "output=ranks", "--set",
                "train.micro_batch_size=1",
            ],
            environment: ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"])
        #expect(ranks.status == 0, "\(ranks.stderr)")
        #expect(ranks.stderr.contains("over 2 data-parallel ranks"))
        let expected = try losses("single")
        let found = try losses("ranks")
        #expect(Set(found.keys) == Set(1...6))
        for step in 1...6 {
            let a = try #require(found[step].flatMap(Double.init))
            let b = try #require(expected[step].flatMap(Double.init))
            #expect(abs(a - b) <= 1e-5 * b, "step \(step): \(a) vs \(b)")
        }
        let checkpoints = try FileManager.default.contentsOfDirectory(
            atPath: "\(directory)/ranks/checkpoints")
        #expect(checkpoints.sorted() == ["step-00000003", "step-00000006"])
    }

    /// An output the checkpoint cannot be written into (an immutable directory: refused even
    /// to root) stops the run with the checkpoint named, and the previous checkpoint survives.
    @Test func anUnwritableOutputKeepsThePreviousCheckpoint() throws {
        let constant = [
            "\(directory)/train.yaml", "--threads", "1", "--set", "train.schedule=constant",
            "--set", "train.checkpoint_interval=0",
        ]
        let first = try train(constant + ["--set", "train.steps=3"])
        #expect(first.status == 0, "\(first.stderr)")
        let checkpoints = "\(directory)/run/checkpoints"
        let state = "\(checkpoints)/step-00000003/trainer_state.json"
        let before = try Data(contentsOf: URL(fileURLWithPath: state))
        guard let chattr = ExecutableRunner.which("chattr"),
            try ExecutableRunner.run(chattr, ["+i", checkpoints]).status == 0
        else {
            return  // no immutable attribute on this filesystem; CheckpointStore's test covers it
        }
        defer { _ = try? ExecutableRunner.run(chattr, ["-i", checkpoints]) }
        let blocked = try train(
            constant + ["--set", "train.steps=6", "--resume", "\(directory)/run"])
        #expect(blocked.status == 70, "\(blocked.stderr)")
        #expect(
            blocked.stderr.contains("checkpoint \(checkpoints)/step-00000006"), "\(blocked.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: state)) == before)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: checkpoints) == ["step-00000003"])
    }

    @Test func badConfigurationsAreNamedWithTheirPlace() throws {
        try write("train:\n  stpes: 5\noutput: run\n", to: "typo.yaml")
        let typo = try train(["\(directory)/typo.yaml"])
        #expect(typo.status == 78)
        #expect(typo.stderr.contains("typo.yaml:2:3: unknown key 'stpes' (did you mean 'steps'?)"))
        let wrongType = try train(["\(directory)/train.yaml", "--set", "train.steps=many"])
        #expect(wrongType.status == 78 && wrongType.stderr.contains("expected a whole number"))
        let noBase = try train(["\(directory)/train.yaml", "--set", "train.mode=lora"])
        #expect(noBase.status == 78 && noBase.stderr.contains("needs model.base"))
        let missingBase = try train([
            "\(directory)/train.yaml", "--set", "train.mode=full", "--set", "model.base=nowhere",
        ])
        #expect(
            missingBase.status == 66 && missingBase.stderr.contains("model.base does not exist"))
        // A base made by a first run, then LoRA on modules it does not have.
        #expect(try train(["\(directory)/train.yaml", "--set", "train.steps=1"]).status == 0)
        let noTarget = try train([
            "\(directory)/train.yaml", "--set", "train.mode=lora", "--set",
            "model.base=run/initial",
            "--set", "train.lora.targets=[c_attn]", "--set", "output=lora",
        ])
        #expect(
            noTarget.status == 65 && noTarget.stderr.contains("train.lora.targets"),
            "\(noTarget.stderr)")
        // Shards from a tokenizer with more tokens than the model embeds.
        try TokenShard.encode(tokens: Array(0..<100), documents: 1, vocabularySize: 500, eosID: 1)
            .write(to: URL(fileURLWithPath: directory + "/wide.bin"))
        let wide = try train([
            "\(directory)/train.yaml", "--set", "data.train=wide.bin", "--set", "output=wide",
        ])
        #expect(
            wide.status == 65 && wide.stderr.contains("tokenizer of 500 tokens"), "\(wide.stderr)")
        // A corrupt checkpoint on resume.
        let optimizer = "\(directory)/run/checkpoints/step-00000001/optimizer.safetensors"
        try Data([7, 0, 0]).write(to: URL(fileURLWithPath: optimizer))
        let corrupt = try train([
            "\(directory)/train.yaml", "--set", "train.steps=1", "--resume", "\(directory)/run",
        ])
        #expect(
            corrupt.status == 65 && corrupt.stderr.contains("optimizer.safetensors"),
            "\(corrupt.stderr)")
    }
}
