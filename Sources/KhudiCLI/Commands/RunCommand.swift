import ArgumentParser
import Foundation
import KhudiRecipe

/// The child `khudi run` passes Ctrl-C and SIGTERM on to, and whether one arrived.
///
/// Written by the signal handler, so plain globals.
nonisolated(unsafe) private var runChild: pid_t = 0
nonisolated(unsafe) private var runStopRequested: sig_atomic_t = 0

/// `khudi run RECIPE.yaml`: every stage of a recipe, skipping what has not changed.
public struct RunCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a recipe's stages in order, skipping stages whose inputs are unchanged.",
        discussion: """
            Each stage runs as a child process of its Khudi executable (found beside khudi) \
            with its configuration written to RUN/config/; its output streams here and into \
            RUN/logs/STAGE.log. A stage is skipped when a SHA-256 of its inputs, its \
            configuration, its command and the Khudi binaries matches the last run and its \
            outputs are untouched. Ctrl-C stops cleanly; running again resumes (a train stage \
            from its last checkpoint). At the end RUN/khudi-manifest.json records the SHA-256 \
            of every input and output, the resolved recipe, the version and the machine; \
            --sign-key signs it (khudi key generate makes a key, khudi verify checks a run).
            """)

    @Argument(help: "The recipe file (YAML).")
    var recipe: String

    @Option(name: .customLong("set"), help: "Override a key: key.path=value (repeatable).")
    var overrides: [String] = []

    @Flag(help: "Run every stage, even unchanged ones.")
    var force = false

    @Option(help: "Run this stage and every later one, even if unchanged.")
    var from: String?

    @Option(help: "Run only this stage (earlier stages must have run).")
    var only: String?

    @Option(help: "Sign the manifest with this Ed25519 private key (khudi key generate).")
    var signKey: String?

    @OptionGroup var threadOptions: ThreadOptions

    public init() {}

    public func validate() throws {
        if [force, from != nil, only != nil].filter({ $0 }).count > 1 {
            throw ValidationError("--force, --from and --only exclude each other")
        }
    }

    public func run() throws {
        try reportingErrors(tool: "khudi run") {
            let loaded = try loadRecipe(recipe, overrides: overrides)
            let runner: RecipeRunner
            do {
                runner = try RecipeRunner(
                    recipe: loaded, toolDirectory: KhudiVersion.toolDirectory,
                    version: KhudiVersion.described)
            } catch {
                throw UserError("\(error)", exitCode: ExitStatus.configuration)
            }
            try checkInputs(runner.stages)
            var signingKey: ManifestSignature.SigningKey?
            if let signKey {
                do {
                    signingKey = try ManifestSignature.privateKey(signKey)
                } catch {
                    throw UserError("\(error)", exitCode: ExitStatus.configuration)
                }
            }
            if let threads = threadOptions.threads {
                runner.environment["OPENBLAS_NUM_THREADS"] = String(threads)
            }
            runner.events = Self.show
            runner.childStarted = { runChild = $0 }
            runner.stopRequested = { runStopRequested != 0 }
            Self.installSignalHandlers()
            let selection: RecipeRunner.Selection =
                force ? .all : from.map { .from($0) } ?? only.map { .only($0) } ?? .changed
            printError("khudi run: \(loaded.name) → \(loaded.output)")
            let outcomes: [StageOutcome]
            do {
                outcomes = try runner.run(selection)
            } catch {
                if case RecipeRunner.RunError.interrupted(let stage)? = error
                    as? RecipeRunner.RunError
                {
                    printError("khudi run: interrupted during \(stage); run it again to resume")
                    throw ExitCode(130)
                }
                throw UserError("\(error)", exitCode: ExitStatus.software)
            }
            let manifest = try Manifest.write(
                recipe: loaded, outcomes: outcomes, version: KhudiVersion.described)
            if let signingKey {
                do {
                    try ManifestSignature.sign(
                        manifest, with: signingKey, runDirectory: loaded.output)
                } catch {
                    throw UserError("\(error)", exitCode: ExitStatus.cannotCreate)
                }
            }
            Self.summarize(loaded, outcomes, signed: signingKey != nil)
        }
    }

    static func show(_ event: RecipeRunner.Event) {
        switch event {
        case .skipped(let stage): printError("== \(stage): unchanged, skipped")
        case .started(let stage, let command):
            printError("== \(stage): \(command.joined(separator: " "))")
        case .resuming(let stage): printError("== \(stage): resuming the interrupted run")
        case .output(_, let line): printError("   \(line)")
        case .finished(let stage, let seconds):
            printError("== \(stage): done in \(String(format: "%.1f", seconds)) s")
        }
    }

    /// Where the run's results are, on standard output.
    static func summarize(_ recipe: Recipe, _ outcomes: [StageOutcome], signed: Bool) {
        let ran = outcomes.filter(\.ran).count
        print("\(recipe.name): \(ran) stage(s) ran, \(outcomes.count - ran) unchanged")
        let places: [(String, String)] = [
            ("model", "train/checkpoints"), ("adapter", "finetune/checkpoints"),
            ("cleaning report", "clean/report.md"), ("tokenizer", "tokenizer/tokenizer.json"),
            ("perplexity", "perplexity/perplexity.md"), ("sample", "sample/sample.txt"),
            ("export", "export"),
        ]
        for (label, relative) in places
        where FileManager.default.fileExists(atPath: "\(recipe.output)/\(relative)") {
            print(
                "  \(label.padding(toLength: 16, withPad: " ", startingAt: 0)) \(recipe.output)/\(relative)"
            )
        }
        print(
            "  \("manifest".padding(toLength: 16, withPad: " ", startingAt: 0)) \(recipe.output)/\(Manifest.fileName)"
                + (signed ? " (signed)" : ""))
    }

    /// Ctrl-C and SIGTERM: remember the request and pass SIGINT to the running child (which
    /// also gets Ctrl-C from the terminal; khudi-train saves a checkpoint either way).
    ///
    /// A parent may have started this process with signals blocked (test runners do); the
    /// mask is cleared first, or the children would inherit it and SIGCHLD would never
    /// report that a stage ended.
    static func installSignalHandlers() {
        var none = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, nil)
        let handler: @convention(c) (Int32) -> Void = { _ in
            runStopRequested = 1
            if runChild > 0 { kill(runChild, SIGINT) }
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
    }
}
