import ArgumentParser
import Foundation
import KhudiTensor
import KhudiTrain

/// What `khudi doctor` found about this machine and launch.
public struct DoctorReport: Codable, Sendable {
    public struct BLAS: Codable, Sendable {
        public var library: String
        public var threads: Int
    }
    public struct MPI: Codable, Sendable {
        /// "none", "mpirun", "srun" or "pmix".
        public var launcher: String
        public var rank: Int
        public var size: Int
        /// Whether libmpi is mapped into this process (it must not be in a single run).
        public var libraryLoaded: Bool
        /// The all-reduce probe's result, for parallel launches.
        public var allReduce: AllReduceProbe?
    }
    public var version: String
    public var cores: Int
    public var blas: BLAS
    public var mpi: MPI
}

/// `khudi doctor`: checks BLAS and, when launched by mpirun/srun, that the ranks can all-reduce.
public struct DoctorCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract:
            "Check this machine: cores, OpenBLAS threads, and MPI when launched by mpirun/srun.",
        discussion: """
            Run it alone to see the thread settings Khudi will use. Run it as
            `mpirun -np 2 khudi doctor` (or under srun) to check that the ranks of a job can
            all-reduce a buffer; each rank prints one line. A plain run never loads MPI.
            """)

    @Flag(help: "Print one JSON object per rank instead of text.")
    var json = false

    @OptionGroup var threadOptions: ThreadOptions

    public init() {}

    public func run() throws {
        try reportingErrors(tool: "khudi doctor") {
            let launch = Launch.detect()
            let threads = threadOptions.apply(launch: launch)
            let communicator = try makeCommunicator(for: launch)
            var launcher = "none"
            if case .parallel(let name, _, _, _) = launch { launcher = name }
            let probe = launch.isParallel ? try AllReduceProbe.run(on: communicator) : nil
            let report = DoctorReport(
                version: KhudiVersion.string,
                cores: ProcessInfo.processInfo.activeProcessorCount,
                blas: .init(library: BLASThreads.libraryDescription, threads: threads),
                mpi: .init(
                    launcher: launcher, rank: communicator.rank, size: communicator.size,
                    libraryLoaded: MPICommunicator.isLibraryLoaded, allReduce: probe))
            print(json ? try Self.jsonLine(report) : Self.text(report))
            // Reading the library's description loaded it, or found it missing.
            if !BLASLibrary.isLoaded {
                throw UserError(report.blas.library, exitCode: ExitStatus.unavailable)
            }
            if let probe, !probe.matchesExpectation {
                throw UserError(
                    "rank \(report.mpi.rank): all-reduce returned wrong sums (head \(probe.head))",
                    exitCode: ExitStatus.software)
            }
        }
    }

    static func jsonLine(_ report: DoctorReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }

    static func text(_ report: DoctorReport) -> String {
        var lines = [
            "Khudi \(report.version)",
            "cores: \(report.cores)",
            "BLAS: \(report.blas.library), \(report.blas.threads) thread(s)",
        ]
        if let probe = report.mpi.allReduce {
            lines.append(
                "MPI: rank \(report.mpi.rank) of \(report.mpi.size) (\(report.mpi.launcher)); "
                    + "all-reduce of \(probe.count) floats "
                    + (probe.matchesExpectation ? "correct" : "WRONG"))
        } else {
            lines.append(
                "MPI: not launched by mpirun/srun; single process, MPI "
                    + (report.mpi.libraryLoaded ? "library loaded (unexpected)" : "not loaded"))
        }
        return lines.joined(separator: "\n")
    }
}
