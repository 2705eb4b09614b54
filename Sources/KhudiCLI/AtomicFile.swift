import Foundation

/// Writes files so that a crash never leaves a half-written file under the final name:
/// write to a temporary name in the same directory, fsync, rename.
public enum AtomicFile {
    /// Replaces (or creates) `path` with `data`.
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(
            ".\(url.lastPathComponent).tmp-\(getpid())")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw UserError("cannot create '\(temporary.path)'", exitCode: ExitStatus.cannotCreate)
        }
        let handle = try FileHandle(forWritingTo: temporary)
        do {
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try handle.close()
            if rename(temporary.path, url.path) != 0 {
                throw UserError(
                    "cannot rename into '\(path)': \(String(cString: strerror(errno)))",
                    exitCode: ExitStatus.cannotCreate)
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    /// Writes a JSON object (keys sorted, indented) the same way.
    public static func writeJSON(_ object: Any, to path: String) throws {
        try write(
            JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted]),
            to: path)
    }
}
