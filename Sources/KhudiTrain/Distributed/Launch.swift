import Foundation

/// How this process was started: alone, or as one rank of a job launched by `mpirun` or `srun`.
///
/// Detection reads only environment variables, so it is safe to call before any MPI library is
/// loaded. A single-task Slurm allocation (`sbatch` running one task) is not a parallel launch.
public enum Launch: Equatable, Sendable {
    /// A plain process: nothing to initialise.
    case single
    /// One rank of a parallel job.
    ///
    /// `launcher` names what started it (for messages); `localRanks` is how many ranks share this
    /// node, when the launcher says.
    case parallel(launcher: String, rank: Int, size: Int, localRanks: Int?)

    /// Classifies the process from its environment.
    ///
    /// - Open MPI's `mpirun`/`mpiexec` sets `OMPI_COMM_WORLD_SIZE` and `OMPI_COMM_WORLD_RANK`.
    /// - PMIx launchers (`srun --mpi=pmix`, `prterun`) set `PMIX_RANK`, and Slurm sets
    ///   `SLURM_NTASKS`/`SLURM_PROCID`; a job step with more than one task counts as parallel.
    public static func detect(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> Launch {
        func integer(_ key: String) -> Int? { environment[key].flatMap { Int($0) } }

        if let size = integer("OMPI_COMM_WORLD_SIZE"), let rank = integer("OMPI_COMM_WORLD_RANK") {
            return .parallel(
                launcher: "mpirun", rank: rank, size: size,
                localRanks: integer("OMPI_COMM_WORLD_LOCAL_SIZE"))
        }
        if let size = integer("SLURM_STEP_NUM_TASKS") ?? integer("SLURM_NTASKS"), size > 1,
            let rank = integer("SLURM_PROCID") ?? integer("PMIX_RANK")
        {
            let perNode = integer("SLURM_STEP_TASKS_PER_NODE") ?? integer("SLURM_NTASKS_PER_NODE")
            return .parallel(launcher: "srun", rank: rank, size: size, localRanks: perNode)
        }
        if let rank = integer("PMIX_RANK"), let size = integer("PMIX_SIZE") ?? integer("PMI_SIZE"),
            size > 1
        {
            return .parallel(launcher: "pmix", rank: rank, size: size, localRanks: nil)
        }
        return .single
    }

    /// True when this process is one rank of a multi-process job.
    public var isParallel: Bool {
        if case .parallel = self { return true }
        return false
    }
}
