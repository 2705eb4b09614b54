import Foundation

/// The version every executable reports with `--version` and writes into manifests.
public enum KhudiVersion {
    public static let string = "0.1.0-dev"

    /// `string` with `git describe --always --dirty` of the source tree this binary was built
    /// from, when that tree and git are still on this machine (manifests and cache keys).
    public static let described: String = {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: sources.appendingPathComponent(".git").path)
        else { return string }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", sources.path, "describe", "--always", "--dirty"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return string }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let describe = String(decoding: output, as: UTF8.self).trimmingCharacters(
            in: .whitespacesAndNewlines)
        return process.terminationStatus == 0 && !describe.isEmpty
            ? "\(string) (git \(describe))" : string
    }()

    /// The directory of the running executable, where the other Khudi executables are.
    public static var toolDirectory: String {
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent().path
    }
}
