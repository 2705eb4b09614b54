import CMPI

/// What a data-parallel rank needs from its peers: who it is, a barrier, and sums of buffers.
///
/// Training code talks only to this protocol; a single process uses `SingleProcessCommunicator`
/// (every call is a no-op), ranks launched by `mpirun`/`srun` use `MPICommunicator`.
public protocol Communicator: AnyObject {
    /// This process's index, `0..<size`.
    var rank: Int { get }
    /// Number of cooperating processes.
    var size: Int { get }
    /// Blocks until every rank has reached the barrier.
    func barrier() throws
    /// Replaces `buffer` with its element-wise sum over all ranks.
    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws
    /// Replaces `buffer` with its element-wise sum over all ranks.
    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws
}

/// The communicator of a process that runs alone: rank 0 of 1, reductions leave data unchanged.
public final class SingleProcessCommunicator: Communicator {
    public let rank = 0
    public let size = 1
    public init() {}
    public func barrier() throws {}
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {}
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws {}
}

/// A failure reported by the MPI runtime, with the shim's description of it.
public struct MPIError: Error, CustomStringConvertible {
    public let description: String
}

/// The ranks of an Open MPI job.
///
/// Creating one loads `libmpi` and calls `MPI_Init`; dropping it calls `MPI_Finalize`.
public final class MPICommunicator: Communicator {
    public let rank: Int
    public let size: Int

    /// Initialises MPI.
    ///
    /// Call only in a process that `Launch.detect()` says is parallel.
    public init(libraryPath: String? = nil) throws {
        try Self.check(khudi_mpi_init(libraryPath))
        var rank: Int32 = 0
        var size: Int32 = 0
        try Self.check(khudi_mpi_rank(&rank))
        try Self.check(khudi_mpi_size(&size))
        self.rank = Int(rank)
        self.size = Int(size)
    }

    deinit { _ = khudi_mpi_finalize() }

    public func barrier() throws { try Self.check(khudi_mpi_barrier()) }

    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        guard let base = buffer.baseAddress else { return }
        try Self.check(khudi_mpi_allreduce_sum_float(base, buffer.count))
    }

    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws {
        guard let base = buffer.baseAddress else { return }
        try Self.check(khudi_mpi_allreduce_sum_double(base, buffer.count))
    }

    /// True once this process has loaded an MPI library (used to prove single runs never do).
    public static var isLibraryLoaded: Bool { khudi_mpi_library_is_loaded() != 0 }

    private static func check(_ status: Int32) throws {
        guard status == 0 else {
            throw MPIError(description: String(cString: khudi_mpi_last_error()))
        }
    }
}

/// Returns the communicator that fits how this process was launched: MPI ranks under
/// `mpirun`/`srun`, a single-process communicator otherwise (MPI is then never loaded).
public func makeCommunicator(for launch: Launch = .detect()) throws -> any Communicator {
    launch.isParallel ? try MPICommunicator() : SingleProcessCommunicator()
}
