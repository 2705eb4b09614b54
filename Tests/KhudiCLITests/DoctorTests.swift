import Foundation
import KhudiCLI
import Testing

/// `khudi doctor` alone and under mpirun: the threading rule, and MPI only when launched.
@Suite struct DoctorTests {
    static func reports(_ stdout: String) throws -> [DoctorReport] {
        try stdout.split(separator: "\n").map {
            try JSONDecoder().decode(DoctorReport.self, from: Data($0.utf8))
        }
    }

    @Test func plainRunDoesNotInitialiseMPI() throws {
        let result = try ExecutableRunner.run("khudi", ["doctor", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try Self.reports(result.stdout).first)
        #expect(report.mpi.launcher == "none")
        #expect(report.mpi.size == 1)
        #expect(report.mpi.libraryLoaded == false)
        #expect(report.mpi.allReduce == nil)
    }

    @Test func threadsFollowCoresUnlessTheUserSaysOtherwise() throws {
        let byDefault = try ExecutableRunner.run("khudi", ["doctor", "--json"])
        let defaultReport = try #require(try Self.reports(byDefault.stdout).first)
        if ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] == nil {
            #expect(defaultReport.blas.threads == defaultReport.cores)
        }
        let fromEnvironment = try ExecutableRunner.run(
            "khudi", ["doctor", "--json"], environment: ["OPENBLAS_NUM_THREADS": "1"])
        #expect(try Self.reports(fromEnvironment.stdout).first?.blas.threads == 1)
        let fromOption = try ExecutableRunner.run(
            "khudi", ["doctor", "--json", "--threads", "3"],
            environment: ["OPENBLAS_NUM_THREADS": "1"])
        #expect(try Self.reports(fromOption.stdout).first?.blas.threads == 3)
    }

    /// Two ranks under mpirun all-reduce a buffer, and the test checks the sums itself.
    ///
    /// `scripts/setup` installs Open MPI, and `scripts/test` sets KHUDI_REQUIRE_MPI=1 so this
    /// cannot pass by silently skipping there.
    @Test func twoRanksAllReduceUnderMpirun() throws {
        guard let mpirun = ExecutableRunner.which("mpirun") else {
            let required = ProcessInfo.processInfo.environment["KHUDI_REQUIRE_MPI"] == "1"
            #expect(!required, "mpirun is not on PATH but KHUDI_REQUIRE_MPI=1")
            return
        }
        let result = try ExecutableRunner.run(
            mpirun,
            [
                "-np", "2", "--oversubscribe", ExecutableRunner.path(of: "khudi"), "doctor",
                "--json",
            ],
            environment: ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"])
        #expect(result.status == 0, "mpirun failed: \(result.stderr)")
        let reports = try Self.reports(result.stdout)
        #expect(reports.count == 2)
        #expect(Set(reports.map(\.mpi.rank)) == [0, 1])
        for report in reports {
            #expect(report.mpi.launcher == "mpirun")
            #expect(report.mpi.size == 2)
            #expect(report.mpi.libraryLoaded)
            // Two ranks threads: the node's cores are split between them.
            #expect(report.blas.threads == max(1, report.cores / 2))
            let probe = try #require(report.mpi.allReduce)
            // Rank r sends (r+1)·(i mod 8 + 1); the sum over r = 0, 1 is 3·(i mod 8 + 1).
            #expect(probe.head == [3, 6, 9, 12, 15, 18, 21, 24])
            #expect(probe.total == Double(probe.count / 8) * 3 * 36)
            #expect(probe.matchesExpectation)
        }
    }
}
