import Foundation
import Testing

/// OpenBLAS is loaded on first use: executables that multiply no matrices run without it, and
/// those that do stop with a user error naming the library (exit 69) when it cannot be loaded.
@Suite struct BLASLoadingTests {
    /// `KHUDI_OPENBLAS` naming a file that does not exist stands for a machine without OpenBLAS.
    static let missing = ["KHUDI_OPENBLAS": "/nonexistent/libopenblas.so.0"]

    @Test func cleaningRunsWithoutOpenBLAS() throws {
        let normalized = try ExecutableRunner.run(
            "khudi-clean", ["normalize", "--lang", "urd"], environment: Self.missing,
            input: Data("یہ ايک كتاب ہے\n".utf8))
        #expect(normalized.status == 0, "\(normalized.stderr)")
        #expect(normalized.stdout == "یہ ایک کتاب ہے\n")
        let identified = try ExecutableRunner.run(
            "khudi-clean", ["identify"], environment: Self.missing,
            input: Data("یہ ایک کتاب ہے\n".utf8))
        #expect(identified.status == 0, "\(identified.stderr)")
        #expect(identified.stdout.hasPrefix("urd "))
    }

    @Test func trainingWithoutOpenBLASIsAUserErrorNamingTheLibrary() throws {
        let result = try ExecutableRunner.run(
            "khudi-train", ["/nonexistent/train.yaml"], environment: Self.missing)
        #expect(result.status == 69)
        #expect(result.stderr.contains("cannot load OpenBLAS (/nonexistent/libopenblas.so.0"))
        #expect(!result.stderr.contains("Fatal error"))
    }

    @Test func doctorReportsAMissingOpenBLASAndFails() throws {
        let result = try ExecutableRunner.run("khudi", ["doctor"], environment: Self.missing)
        #expect(result.status == 69)
        #expect(result.stdout.contains("BLAS: OpenBLAS unavailable: cannot load OpenBLAS"))
    }
}
