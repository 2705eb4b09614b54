import Foundation

/// A hidden directory beside an output directory, filled by a run and renamed into place only
/// when the run completes, so a crash or an error leaves the previous output (or nothing) behind,
/// never half of one.
public struct StagingDirectory {
    /// Where the run writes.
    public let url: URL
    /// Where the output ends up.
    public let target: URL

    /// Creates `.NAME.partial-PID` beside `target`, removing a leftover of the same name.
    public init(for target: URL) throws {
        self.target = target
        url = target.deletingLastPathComponent()
            .appendingPathComponent(".\(target.lastPathComponent).partial-\(getpid())")
        try? FileManager.default.removeItem(at: url)
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw CleaningError.cannotWrite(url.path, (error as NSError).localizedDescription)
        }
    }

    /// Renames the staging directory to `target`.
    ///
    /// An existing `target` (when overwriting) is moved aside first and removed only after the
    /// rename.
    public func commit() throws {
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: target.path) {
            let old = target.deletingLastPathComponent().appendingPathComponent(
                ".\(target.lastPathComponent).old-\(getpid())")
            try fileManager.moveItem(at: target, to: old)
            try fileManager.moveItem(at: url, to: target)
            try? fileManager.removeItem(at: old)
        } else {
            try fileManager.moveItem(at: url, to: target)
        }
    }

    /// Removes the staging directory (a run that failed).
    public func discard() {
        try? FileManager.default.removeItem(at: url)
    }
}
