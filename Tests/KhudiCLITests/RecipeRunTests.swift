import Foundation
import Testing

/// `khudi run` on the shipped quickstart recipe, scaled down, with the real stage executables:
/// offline, cached, re-run downstream of a changed input, verified, signed, interrupted.
@Suite(.serialized) struct RecipeRunTests {
    let directory = NSTemporaryDirectory() + "khudi-run-\(UUID().uuidString)"
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static let quickstart = "\(root)/recipes/quickstart.yaml"

    /// Overrides that make the quickstart take seconds in a debug build.
    static let smaller = [
        "model.config.hidden_size=32", "model.config.intermediate_size=64",
        "model.config.num_hidden_layers=2", "model.config.num_attention_heads=2",
        "model.config.num_key_value_heads=1", "tokenizer.vocab_size=600", "train.steps=6",
        "train.checkpoint_interval=3", "train.evaluation_interval=3", "train.sequence_length=32",
        "train.micro_batch_size=4", "train.warmup_steps=2", "finetune.steps=3",
        "finetune.warmup_steps=1", "finetune.sequence_length=64", "eval.sample.max_new_tokens=4",
    ]

    init() throws {
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true)
    }

    func arguments(_ output: String, _ extra: [String] = []) -> [String] {
        (Self.smaller + ["output=\(output)"] + extra).flatMap { ["--set", $0] }
    }

    /// Stages that ran (said "done") in a run's standard error.
    func ran(_ stderr: String) -> [String] {
        stderr.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("== "), line.contains(": done in ") else { return nil }
            return String(line.dropFirst(3).prefix { $0 != ":" })
        }
    }

    static let networkNamespaceWorks: Bool = {
        (try? ExecutableRunner.run("/usr/bin/unshare", ["--net", "/bin/true"]).status) == 0
    }()

    @Test func everyShippedRecipeChecks() throws {
        let recipes = try FileManager.default.contentsOfDirectory(atPath: "\(Self.root)/recipes")
            .filter { $0.hasSuffix(".yaml") }
        #expect(recipes.count >= 4)
        for name in recipes {
            let result = try ExecutableRunner.run(
                "khudi", ["recipe", "check", "\(Self.root)/recipes/\(name)", "--schema-only"])
            #expect(result.status == 0, "\(name): \(result.stderr)")
        }
        // The quickstart's inputs ship with Khudi, so its full check (inputs exist) passes too.
        let full = try ExecutableRunner.run("khudi", ["recipe", "check", Self.quickstart])
        #expect(full.status == 0, "\(full.stderr)")
        #expect(full.stdout.contains("7 stage(s)"))
        let missing = try ExecutableRunner.run(
            "khudi",
            ["recipe", "check", Self.quickstart, "--set", "eval.perplexity=[/nonexistent.txt]"])
        #expect(missing.status == 66)
        #expect(
            missing.stderr.contains("stage perplexity: input '/nonexistent.txt' does not exist"))
        let noMatch = try ExecutableRunner.run(
            "khudi",
            ["recipe", "check", Self.quickstart, "--set", "data.sources=[/nonexistent/*.txt]"])
        #expect(noMatch.status == 66)
        #expect(noMatch.stderr.contains("stage clean: '/nonexistent/*.txt' matches no file"))
        let typo = try ExecutableRunner.run(
            "khudi", ["recipe", "check", Self.quickstart, "--set", "train.warmup_step=3"])
        #expect(typo.status == 78)
        #expect(typo.stderr.contains("did you mean 'warmup_steps'?"))
    }

    @Test func theQuickstartRunsOfflineCachesVerifiesAndSigns() throws {
        #expect(Self.networkNamespaceWorks, "unshare --net is needed for the offline check")
        let output = "\(directory)/quickstart"
        let instructions = "\(directory)/instructions.jsonl"
        try FileManager.default.copyItem(
            atPath: "\(Self.root)/datasets/sample/instructions/urd.jsonl", toPath: instructions)
        let run =
            ["run", Self.quickstart] + arguments(output, ["data.instructions=[\(instructions)]"])
        let khudi = ExecutableRunner.path(of: "khudi")

        // 1. Offline: inside a network namespace with no interfaces up.
        let first = try ExecutableRunner.run("/usr/bin/unshare", ["--net", khudi] + run)
        #expect(first.status == 0, "\(first.stderr.suffix(2000))")
        #expect(
            ran(first.stderr) == [
                "clean", "tokenizer", "encode", "train", "finetune", "perplexity", "sample",
            ])
        #expect(first.stdout.contains("\(output)/khudi-manifest.json"))
        #expect(first.stdout.contains("\(output)/sample/sample.txt"))

        // 2. The manifest records inputs, outputs, recipe, version and machine.
        let data = try #require(
            FileManager.default.contents(atPath: "\(output)/khudi-manifest.json"))
        let manifest = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let inputs = try #require(manifest["inputs"] as? [String: String])
        let story = "\(Self.root)/datasets/sample/urd/stories.txt"
        #expect(inputs[story] == Self.sha256(story))
        #expect(inputs[instructions] == Self.sha256(instructions))
        let outputs = try #require(manifest["outputs"] as? [String: String])
        #expect(outputs["train/checkpoints/step-00000006/model.safetensors"] != nil)
        #expect(outputs["sample/sample.txt"] == Self.sha256("\(output)/sample/sample.txt"))
        let recipe = try #require(manifest["recipe"] as? [String: Any])
        #expect((recipe["resolved"] as? String)?.contains("steps: 6") == true)
        #expect((manifest["khudi_version"] as? String)?.hasPrefix("0.") == true)
        #expect(((manifest["machine"] as? [String: Any])?["cores"] as? Int ?? 0) > 0)
        let stages = try #require(manifest["stages"] as? [[String: Any]])
        let clean = try #require(stages.first { $0["name"] as? String == "clean" })
        #expect((clean["reports"] as? [String: Any])?["clean/report.json"] != nil)

        // 3. Again: nothing changed, nothing runs.
        let second = try ExecutableRunner.run("khudi", run)
        #expect(second.status == 0)
        #expect(ran(second.stderr).isEmpty)
        #expect(second.stdout.contains("0 stage(s) ran, 7 unchanged"))

        // 4. A changed input re-runs only the stages downstream of it.
        let handle = try #require(FileHandle(forWritingAtPath: instructions))
        handle.seekToEndOfFile()
        handle.write(
            Data(#"{"instruction": "دو جمع دو کتنے ہوتے ہیں؟", "output": "چار"}"#.utf8 + [0x0A]))
        try handle.close()
        let third = try ExecutableRunner.run("khudi", run)
        #expect(third.status == 0, "\(third.stderr.suffix(2000))")
        #expect(ran(third.stderr) == ["finetune", "perplexity", "sample"])

        // 5. verify passes, then names an edited output.
        let verified = try ExecutableRunner.run("khudi", ["verify", output])
        #expect(verified.status == 0, "\(verified.stdout)")
        try Data("edited\n".utf8).write(to: URL(fileURLWithPath: "\(output)/sample/sample.txt"))
        let edited = try ExecutableRunner.run("khudi", ["verify", output])
        #expect(edited.status == 1)
        #expect(edited.stdout.contains("FAIL changed: sample/sample.txt"))

        // 6. --only re-runs one stage (its edited output is replaced), and the run is whole again;
        // --from re-runs a stage and every later one.
        let only = try ExecutableRunner.run("khudi", run + ["--only", "sample"])
        #expect(ran(only.stderr) == ["sample"])
        #expect(try ExecutableRunner.run("khudi", ["verify", output]).status == 0)
        let from = try ExecutableRunner.run("khudi", run + ["--from", "perplexity"])
        #expect(ran(from.stderr) == ["perplexity", "sample"])
        let forced = try ExecutableRunner.run("khudi", run + ["--force"])
        #expect(forced.status == 0)
        #expect(
            ran(forced.stderr) == [
                "clean", "tokenizer", "encode", "train", "finetune", "perplexity", "sample",
            ])
        let unknown = try ExecutableRunner.run("khudi", run + ["--only", "sampel"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("no stage 'sampel' in this recipe"))

        // 7. Signed: the right key passes; another key, or an edited manifest, fails.
        let key = "\(directory)/signing"
        #expect(
            try ExecutableRunner.run("khudi", ["key", "generate", "--output", key]).status == 0)
        #expect(
            try ExecutableRunner.run("khudi", ["key", "generate", "--output", key]).status != 0)
        let signed = try ExecutableRunner.run("khudi", run + ["--sign-key", key])
        #expect(signed.status == 0)
        #expect(signed.stdout.contains("(signed)"))
        let good = try ExecutableRunner.run(
            "khudi", ["verify", output, "--public-key", key + ".pub"])
        #expect(good.status == 0, "\(good.stdout)")
        #expect(good.stdout.contains("signature ok"))
        let other = "\(directory)/other"
        _ = try ExecutableRunner.run("khudi", ["key", "generate", "--output", other])
        let wrongKey = try ExecutableRunner.run(
            "khudi", ["verify", output, "--public-key", other + ".pub"])
        #expect(wrongKey.status == 1)
        #expect(wrongKey.stdout.contains("signed by another key"))
        var text = try String(contentsOfFile: "\(output)/khudi-manifest.json", encoding: .utf8)
        text = text.replacingOccurrences(of: "\"quickstart\"", with: "\"quickstarts\"")
        try Data(text.utf8).write(to: URL(fileURLWithPath: "\(output)/khudi-manifest.json"))
        let tampered = try ExecutableRunner.run("khudi", ["verify", output])
        #expect(tampered.status == 1)
        #expect(tampered.stdout.contains("signature: does not match the manifest"))

        // 8. A failing stage stops the run with its error.
        let failing = try ExecutableRunner.run(
            "khudi", run + ["--set", "finetune.lora.targets=[no_such_module]"])
        #expect(failing.status != 0)
        #expect(failing.stderr.contains("stage finetune failed"))
        #expect(failing.stderr.contains("no_such_module"))
        #expect(!ran(failing.stderr).contains("perplexity"))
    }

    @Test func aMissingStageExecutableIsNamed() throws {
        // khudi alone in a folder: the stage executables it runs are not beside it.
        let lonely = "\(directory)/lonely"
        try FileManager.default.createDirectory(atPath: lonely, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: ExecutableRunner.path(of: "khudi"), toPath: "\(lonely)/khudi")
        let result = try ExecutableRunner.run(
            "\(lonely)/khudi", ["run", Self.quickstart, "--set", "output=\(directory)/lonely-run"])
        #expect(result.status == 70)
        #expect(
            result.stderr.contains(
                "the stage executable 'khudi-clean' is not in \(lonely) (build it: swift build)"),
            "\(result.stderr)")
    }

    /// A stage log that cannot be created (its path is taken by a directory) stops the run
    /// with the path named, before the stage runs.
    @Test func anUncreatableStageLogIsNamed() throws {
        let output = "\(directory)/blocked-log"
        try FileManager.default.createDirectory(
            atPath: "\(output)/logs/clean.log", withIntermediateDirectories: true)
        let result = try ExecutableRunner.run(
            ExecutableRunner.path(of: "khudi"), ["run", Self.quickstart] + arguments(output))
        #expect(result.status != 0)
        #expect(
            result.stderr.contains("\(output)/logs/clean.log")
                && result.stderr.contains("cannot create the stage log"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(output)/clean/report.json"))
    }

    /// `train.launcher` runs the train stage under mpirun as two data-parallel ranks, its
    /// command line logged and recorded; a launcher that is not on PATH is named.
    @Test func aLauncherRunsTheTrainStageAsRanks() throws {
        guard let mpirun = ExecutableRunner.which("mpirun") else {
            let required = ProcessInfo.processInfo.environment["KHUDI_REQUIRE_MPI"] == "1"
            #expect(!required, "mpirun is not on PATH but KHUDI_REQUIRE_MPI=1")
            return
        }
        let output = "\(directory)/ranks"
        let run =
            ["run", Self.quickstart]
            + arguments(
                output,
                [
                    "train.launcher=[\(mpirun), -np, '2', --oversubscribe]", "finetune.steps=1",
                    "eval.perplexity=[]", "eval.sample.max_new_tokens=1",
                ])
        let root = ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"]
        let result = try ExecutableRunner.run("khudi", run, environment: root)
        #expect(result.status == 0, "\(result.stderr.suffix(1500))")
        let log = try String(contentsOfFile: "\(output)/logs/train.log", encoding: .utf8)
        #expect(
            log.contains(
                "$ \(mpirun) -np 2 --oversubscribe \(ExecutableRunner.path(of: "khudi-train")) "))
        #expect(log.contains("over 2 data-parallel ranks"), "\(log.suffix(1500))")
        let record = try String(contentsOfFile: "\(output)/state/train.json", encoding: .utf8)
        #expect(record.contains("--oversubscribe"))
        // Only train ran under the launcher; a launcher not on PATH stops the run, named.
        let missing = try ExecutableRunner.run(
            "khudi", run + ["--set", "train.launcher=[no-such-launcher, -n, '2']"],
            environment: root)
        #expect(missing.status == 70)
        #expect(
            missing.stderr.contains(
                "stage train: its launcher 'no-such-launcher' is not an executable on PATH"),
            "\(missing.stderr.suffix(800))")
    }

    @Test func anInterruptedTrainStageResumes() throws {
        let output = "\(directory)/interrupted"
        let run =
            ["run", Self.quickstart]
            + arguments(output, ["train.steps=400", "train.checkpoint_interval=50"])
            + [
                "--set", "finetune.steps=1", "--set", "eval.perplexity=[]", "--set",
                "eval.sample.max_new_tokens=1",
            ]
        let log = "\(directory)/interrupted.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ExecutableRunner.path(of: "khudi"))
        process.arguments = run
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, process.isRunning {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if text.contains("step 20/400") { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        let stderr = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(process.terminationStatus == 130, "\(stderr.suffix(1500))")
        #expect(stderr.contains("interrupted during train"))
        // The rerun resumes, and this time also exports: LoRA merged, then GGUF.
        let again = try ExecutableRunner.run("khudi", run + ["--set", "export.gguf=true"])
        #expect(again.status == 0, "\(again.stderr.suffix(1500))")
        #expect(again.stderr.contains("== train: resuming the interrupted run"))
        #expect(ran(again.stderr) == ["train", "finetune", "sample", "export"])
        let gguf = try #require(
            FileManager.default.contents(atPath: "\(output)/export/quickstart.gguf"))
        #expect(gguf.prefix(4) == Data("GGUF".utf8))
        #expect(FileManager.default.fileExists(atPath: "\(output)/export/merged/model.safetensors"))
        // The stage's log keeps both of its commands.
        let exportLog = try String(contentsOfFile: "\(output)/logs/export.log", encoding: .utf8)
        #expect(exportLog.contains("khudi model merge "))
        #expect(exportLog.contains("khudi model gguf "))
    }

    static func sha256(_ path: String) -> String? {
        guard let result = try? ExecutableRunner.run("/usr/bin/sha256sum", [path]) else {
            return nil
        }
        return result.stdout.split(separator: " ").first.map(String.init)
    }
}
