import ArgumentParser
import KhudiTensor
import KhudiTrain

/// `--threads N`, shared by every Khudi executable.
///
/// Without it, OpenBLAS follows `OPENBLAS_NUM_THREADS` when set and otherwise uses every core
/// available to the process, divided among the ranks that share a node under `mpirun`/`srun`.
public struct ThreadOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Threads for BLAS and Khudi's own kernels.",
            discussion:
                "Default: OPENBLAS_NUM_THREADS if set, else all cores (split among local MPI ranks).",
            valueName: "n"))
    public var threads: Int?

    public init() {}

    public func validate() throws {
        if let threads, threads < 1 {
            throw ValidationError("--threads must be at least 1 (got \(threads))")
        }
    }

    /// `apply`, for commands that multiply matrices: loads OpenBLAS first, so a machine
    /// without it gets a user error naming the library (exit 69) before any work starts.
    @discardableResult
    public func applyLoadingBLAS(launch: Launch = .detect()) throws -> Int {
        try Self.loadBLAS()
        return apply(launch: launch)
    }

    /// Loads OpenBLAS, a missing library being a user error naming it (exit 69).
    public static func loadBLAS() throws {
        do {
            try BLASLibrary.load()
        } catch {
            throw UserError("\(error)", exitCode: ExitStatus.unavailable)
        }
    }

    /// Applies the thread rule to OpenBLAS and returns the count in force (kept until OpenBLAS
    /// loads, if it has not).
    @discardableResult
    public func apply(launch: Launch = .detect()) -> Int {
        var ranksOnThisNode = 1
        if case .parallel(_, _, _, let localRanks?) = launch { ranksOnThisNode = localRanks }
        let count = BLASThreads.resolve(requested: threads, ranksOnThisNode: ranksOnThisNode)
        BLASThreads.set(count)
        return count
    }
}
