import Foundation

/// One step of a run: one or more commands of Khudi's stage executables, run as child
/// processes, writing into `output`.
public struct Stage: Sendable {
    /// One child process.
    public struct Command: Sendable, Equatable {
        /// The executable's name (`khudi-clean`); found beside the running `khudi`.
        public var tool: String
        public var arguments: [String]
        /// When set, the command's standard output is written to this file (atomically).
        public var standardOutput: String?
        /// A command the tool is started under (`[mpirun, -np, "4"]`, `[srun]`), its first word
        /// found on PATH; empty: the tool runs directly.
        public var launcher: [String]

        public init(
            tool: String, arguments: [String], standardOutput: String? = nil,
            launcher: [String] = []
        ) {
            self.tool = tool
            self.arguments = arguments
            self.standardOutput = standardOutput
            self.launcher = launcher
        }

        /// The words the command runs, launcher first, the tool by its name.
        public var words: [String] { launcher + [tool] + arguments }
    }

    /// A file the runner writes before the stage runs (a stage configuration), computed when
    /// the stage starts because it may depend on what earlier stages wrote.
    public typealias ConfigurationWriter = @Sendable () throws -> [(path: String, text: String)]

    public var name: String
    public var commands: [Command]
    /// Arguments added to the first command when an interrupted run of the same stage is
    /// resumed (khudi-train's `--resume`); nil: the stage restarts from scratch.
    public var resumeArguments: [String]?
    /// Input files, directories and globs outside the run: their contents are part of the
    /// stage's cache key and the manifest.
    public var inputs: [String]
    /// The files of earlier stages this stage reads, as `STAGE/PATTERN` relative to the run
    /// directory (fnmatch, `*` also matches `/`): only their digests enter the cache key, so a
    /// stage whose reports changed but whose data did not leaves later stages skipped.
    public var upstream: [String]
    /// The directory the stage writes (removed before a fresh start).
    public var output: String
    public var configuration: ConfigurationWriter

    /// The first of `inputs` that is not there, said as a sentence (a glob that matches
    /// nothing, or a path that does not exist), or nil when every input exists.
    public func missingInput() -> String? {
        for input in inputs {
            if ContentDigest.isGlob(input) {
                if (try? ContentDigest.expand(input)) == nil { return "'\(input)' matches no file" }
            } else if !FileManager.default.fileExists(atPath: input) {
                return "input '\(input)' does not exist"
            }
        }
        return nil
    }

    /// The stages a recipe runs, in order.
    public static let order = [
        "clean", "tokenizer", "tokenizer-eval", "encode", "train", "finetune", "perplexity",
        "sample", "export",
    ]
}
