import Foundation
import KhudiCorpus
import KhudiModels

/// Runs a recipe's stages in order as child processes of Khudi's stage executables, skipping
/// each stage whose cache key and outputs are unchanged, and writes the provenance manifest.
///
/// The runner never prints: it reports through `events`, and the executable decides what to
/// show. Children write their progress to standard error, which the runner passes on line by
/// line (and keeps in RUN/logs/STAGE.log).
public final class RecipeRunner {
    /// What happened, for the executable to show.
    public enum Event: Sendable {
        case skipped(stage: String)
        case started(stage: String, command: [String])
        case output(stage: String, line: String)
        case finished(stage: String, seconds: Double)
        case resuming(stage: String)
    }

    /// Which stages run.
    public enum Selection: Sendable, Equatable {
        /// Each stage whose key or outputs changed.
        case changed
        /// Every stage.
        case all
        /// This stage and every later one, whatever their keys; earlier ones as `changed`.
        case from(String)
        /// Only this stage (its inputs must already exist).
        case only(String)
    }

    /// Why a run stopped.
    public enum RunError: Error, CustomStringConvertible {
        case unknownStage(String, known: [String])
        case missingTool(String, directory: String)
        case missingLauncher(String, stage: String)
        case cannotPrepare(stage: String, reason: String)
        case failed(stage: String, status: Int32, log: String, tail: [String])
        case interrupted(stage: String)
        case cannotWrite(path: String, reason: String)

        public var description: String {
            switch self {
            case .unknownStage(let name, let known):
                "no stage '\(name)' in this recipe (its stages: \(known.joined(separator: ", ")))"
            case .missingTool(let tool, let directory):
                "the stage executable '\(tool)' is not in \(directory) (build it: swift build)"
            case .missingLauncher(let launcher, let stage):
                "stage \(stage): its launcher '\(launcher)' is not an executable on PATH "
                    + "(\(stage).launcher in the recipe)"
            case .cannotPrepare(let stage, let reason): "stage \(stage): \(reason)"
            case .failed(let stage, let status, let log, let tail):
                "stage \(stage) failed (exit \(status)); its log: \(log)"
                    + (tail.isEmpty ? "" : "\n" + tail.map { "  | \($0)" }.joined(separator: "\n"))
            case .interrupted(let stage):
                "interrupted during stage \(stage); run the same command again to resume"
            case .cannotWrite(let path, let reason): "cannot write \(path): \(reason)"
            }
        }
    }

    public let recipe: Recipe
    public let stages: [Stage]
    /// Where khudi-clean, khudi-tokenize, … are.
    public let toolDirectory: String
    /// Khudi's version (with git describe when known), part of every cache key.
    public let version: String
    /// Environment variables added for the children, such as OPENBLAS_NUM_THREADS.
    public var environment: [String: String] = [:]
    public var events: @Sendable (Event) -> Void = { _ in }
    /// Told each child's process id as it starts (so a signal handler can pass Ctrl-C on).
    public var childStarted: @Sendable (Int32) -> Void = { _ in }
    /// Asked before each command and after each child exits: true ends the run as
    /// interrupted (a train stage then resumes on the next run).
    public var stopRequested: @Sendable () -> Bool = { false }

    public init(recipe: Recipe, toolDirectory: String, version: String) throws(ConfigurationError) {
        self.recipe = recipe
        self.stages = try recipe.stages()
        self.toolDirectory = toolDirectory
        self.version = version
    }

    var stateDirectory: String { "\(recipe.output)/state" }
    var logDirectory: String { "\(recipe.output)/logs" }

    /// Where a stage's `StageRecord` is kept.
    func recordPath(_ stage: String) -> String { "\(stateDirectory)/\(stage).json" }

    /// Where a stage's commands and their output are logged.
    func logPath(_ stage: String) -> String { "\(logDirectory)/\(stage).log" }

    /// Runs the selected stages; returns what each stage did, in order.
    @discardableResult
    public func run(_ selection: Selection = .changed) throws(RunError) -> [StageOutcome] {
        let names = stages.map(\.name)
        switch selection {
        case .from(let name), .only(let name):
            guard names.contains(name) else { throw .unknownStage(name, known: names) }
        default: break
        }
        for directory in [
            recipe.output, recipe.configurationDirectory, stateDirectory, logDirectory,
        ] {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw .cannotWrite(path: directory, reason: "\(error)")
            }
        }
        try write(Recipe.yaml(recipe.resolved), to: "\(recipe.output)/recipe.yaml")
        let tools = try toolDigests()
        var outcomes: [StageOutcome] = []
        var forcing = selection == .all
        for stage in stages {
            if case .from(let name) = selection, name == stage.name { forcing = true }
            if case .only(let name) = selection, name != stage.name {
                if let record = StageRecord.read(recordPath(stage.name)) {
                    outcomes.append(StageOutcome(record: record, ran: false))
                }
                continue
            }
            let outcome = try runStage(
                stage, tools: tools, force: forcing || selection == .only(stage.name))
            outcomes.append(outcome)
        }
        return outcomes
    }

    /// Digest of each stage executable's binary: a rebuilt tool re-runs its stages.
    func toolDigests() throws(RunError) -> [String: String] {
        var digests: [String: String] = [:]
        for tool in Set(stages.flatMap { $0.commands.map(\.tool) }).sorted() {
            do {
                digests[tool] = try ContentDigest.file("\(toolDirectory)/\(tool)")
            } catch {
                throw .missingTool(tool, directory: toolDirectory)
            }
        }
        return digests
    }

    func write(_ text: String, to path: String) throws(RunError) {
        if let failure = writeAtomically(Array(text.utf8), to: path) {
            throw .cannotWrite(path: path, reason: failure)
        }
    }
}

/// One stage's result in a run.
public struct StageOutcome: Sendable, Equatable {
    public var record: StageRecord
    /// False when the stage was skipped (its previous result still holds).
    public var ran: Bool
}
