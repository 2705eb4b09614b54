import Foundation

/// The checkpoints of a run: `OUTPUT/checkpoints/step-NNNNNNNN/`, each written whole into a
/// `.partial` directory and renamed into place, so a crash, a full disk or a kill never leaves
/// a half checkpoint under a real name and never touches the previous one.
public struct CheckpointStore: Sendable {
    public let root: String
    /// Checkpoints kept; older ones are removed once a newer one is complete (0 keeps all).
    public let keep: Int

    public init(output: String, keep: Int) {
        root = "\(output)/checkpoints"
        self.keep = keep
    }

    public func directory(step: Int) -> String {
        "\(root)/" + String(format: "step-%08d", step)
    }

    /// Completed checkpoints (those with `trainer_state.json`), oldest first.
    public func completed() -> [(step: Int, path: String)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.compactMap { name -> (Int, String)? in
            guard name.hasPrefix("step-"), !name.hasSuffix(".partial"),
                let step = Int(name.dropFirst("step-".count))
            else { return nil }
            let path = "\(root)/\(name)"
            guard FileManager.default.fileExists(atPath: "\(path)/trainer_state.json") else {
                return nil
            }
            return (step, path)
        }.sorted { $0.0 < $1.0 }
    }

    /// Writes the checkpoint of `step` and returns its path.
    ///
    /// `body` fills the directory it is given; the directory is then renamed into place and
    /// old checkpoints pruned.
    public func write(
        step: Int, _ body: (String) throws(TrainingError) -> Void
    ) throws(TrainingError) -> String {
        let final = directory(step: step)
        let partial = final + ".partial"
        let files = FileManager.default
        try? files.removeItem(atPath: partial)
        do {
            try files.createDirectory(atPath: partial, withIntermediateDirectories: true)
        } catch {
            throw .checkpoint(path: partial, reason: "cannot create it: \(error)")
        }
        do {
            try body(partial)
        } catch {
            try? files.removeItem(atPath: partial)
            throw error
        }
        // The same step written again (a resumed run saving where it started) replaces it.
        if files.fileExists(atPath: final) {
            let old = final + ".old"
            try? files.removeItem(atPath: old)
            guard rename(final, old) == 0 else {
                throw .checkpoint(path: final, reason: String(cString: strerror(errno)))
            }
            try? files.removeItem(atPath: old)
        }
        guard rename(partial, final) == 0 else {
            let reason = String(cString: strerror(errno))
            try? files.removeItem(atPath: partial)
            throw .checkpoint(path: final, reason: "cannot rename into place: \(reason)")
        }
        syncDirectory(root)
        prune()
        return final
    }

    /// Removes all but the newest `keep` completed checkpoints.
    func prune() {
        guard keep > 0 else { return }
        for old in completed().dropLast(keep) {
            try? FileManager.default.removeItem(atPath: old.path)
        }
    }

    /// Makes a rename in `path` durable.
    func syncDirectory(_ path: String) {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}
