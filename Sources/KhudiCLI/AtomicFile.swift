import Foundation
import KhudiModels

/// Writes files so that a crash never leaves a half-written file under the final name:
/// write to a temporary name in the same directory, fsync, rename.
public enum AtomicFile {
    /// Replaces (or creates) `path` with `data` (through KhudiModels' `writeAtomically`, the
    /// one implementation every Khudi file write shares).
    public static func write(_ data: Data, to path: String) throws {
        if let failure = writeAtomically(Array(data), to: path) {
            throw UserError("cannot write '\(path)': \(failure)", exitCode: ExitStatus.cannotCreate)
        }
    }

    /// Writes a JSON object (keys sorted, indented) the same way.
    public static func writeJSON(_ object: Any, to path: String) throws {
        try write(
            JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted]),
            to: path)
    }
}
