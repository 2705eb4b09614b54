import Foundation

/// What the runner remembers of a stage that finished (`RUN/state/STAGE.json`): the cache key it
/// ran under and the digests of what it read and wrote.
///
/// A stage is skipped when its key is unchanged and its outputs are still the files it wrote.
public struct StageRecord: Codable, Equatable, Sendable {
    public var stage: String
    /// SHA-256 over the Khudi version, the tools' binaries, the commands, the stage
    /// configuration files and the digests of every input (`StageRecord.key`).
    public var key: String
    public var commands: [[String]]
    /// Absolute input path → SHA-256 (files outside the run, and upstream stages' outputs).
    public var inputs: [String: String]
    /// Output path relative to the run directory → SHA-256.
    public var outputs: [String: String]
    public var started: String
    public var seconds: Double

    /// The key of a stage run: a digest of every line that could change its result.
    static func key(
        version: String, tools: [String: String], stage: Stage,
        configurations: [(path: String, text: String)], inputs: [String: String]
    ) -> String {
        var lines = ["khudi-stage/1", "version \(version)", "stage \(stage.name)"]
        for command in stage.commands {
            lines.append("tool \(command.tool) \(tools[command.tool] ?? "?")")
            lines.append("arguments " + command.arguments.joined(separator: "\u{0}"))
            lines.append("stdout \(command.standardOutput ?? "-")")
            // Only when set, so the keys of runs without a launcher stay what they were.
            if !command.launcher.isEmpty {
                lines.append("launcher " + command.launcher.joined(separator: "\u{0}"))
            }
        }
        for file in configurations.sorted(by: { $0.path < $1.path }) {
            lines.append("configuration \(file.path) \(ContentDigest.text(file.text))")
        }
        for (path, digest) in inputs.sorted(by: { $0.key < $1.key }) {
            lines.append("input \(path) \(digest)")
        }
        return ContentDigest.text(lines.joined(separator: "\n"))
    }

    /// The record at `path`, or nil when there is none or it cannot be read (the stage then
    /// simply runs again).
    static func read(_ path: String) -> StageRecord? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(StageRecord.self, from: data)
    }

    /// True when every output the record names is still there with the same contents.
    func outputsIntact(runDirectory: String) -> Bool {
        outputs.allSatisfy { relative, digest in
            (try? ContentDigest.file("\(runDirectory)/\(relative)")) == digest
        }
    }
}
