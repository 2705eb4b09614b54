import CBLAS
import Foundation

/// The thread count of OpenBLAS, the only BLAS Khudi links.
///
/// Khudi's rule: OpenBLAS uses as many threads as the process may use cores, unless the user
/// set `OPENBLAS_NUM_THREADS` (respected as is) or passed `--threads` (which wins over both).
/// Ranks sharing a node split its cores so that they never oversubscribe it.
public enum BLASThreads {
    /// OpenBLAS's current thread count.
    public static var current: Int { Int(khudi_openblas_get_num_threads()) }

    /// OpenBLAS's build description, such as "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen".
    public static var libraryDescription: String {
        guard let config = khudi_openblas_get_config() else {
            return "OpenBLAS unavailable: \(String(cString: khudi_blas_last_error()))"
        }
        return String(cString: config).trimmingCharacters(in: .whitespaces)
    }

    /// Sets the thread count of OpenBLAS and of Khudi's own kernels (at least 1).
    public static func set(_ count: Int) {
        khudi_openblas_set_num_threads(Int32(max(1, count)))
        KernelThreads.threadCount = count
    }

    /// Runs `body` with OpenBLAS on one thread, for regions where Khudi's kernels already run
    /// one GEMM per thread (attention heads), so the two never oversubscribe the cores.
    static func whileSingleThreaded(_ body: () -> Void) {
        let previous = khudi_openblas_get_num_threads()
        guard previous > 1, KernelThreads.threadCount > 1 else { return body() }
        khudi_openblas_set_num_threads(1)
        body()
        khudi_openblas_set_num_threads(previous)
    }

    /// The thread count Khudi's rule gives.
    ///
    /// - Parameters:
    ///   - requested: the `--threads` value, if the user gave one.
    ///   - environment: where `OPENBLAS_NUM_THREADS` is read from.
    ///   - cores: cores available to this process.
    ///   - ranksOnThisNode: processes of one parallel job that share this machine.
    /// - Returns: the thread count, at least 1.
    public static func resolve(
        requested: Int?,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        cores: Int = ProcessInfo.processInfo.activeProcessorCount,
        ranksOnThisNode: Int = 1
    ) -> Int {
        if let requested { return max(1, requested) }
        if let fromEnvironment = environment["OPENBLAS_NUM_THREADS"].flatMap({ Int($0) }),
            fromEnvironment > 0
        {
            return fromEnvironment
        }
        return max(1, cores / max(1, ranksOnThisNode))
    }
}
