import Foundation
import Testing

/// The stage executables' contract before they are built: honest help, clear errors.
@Suite struct StageCommandTests {
    static let stages: [(tool: String, issue: Int)] = [("khudi-eval", 8)]
    static let allStages = ["khudi-clean", "khudi-train"] + stages.map(\.tool)
    /// Arguments a stage requires besides its inputs (khudi-clean needs --output).
    static func required(_ tool: String) -> [String] {
        tool == "khudi-clean" ? ["--output", "/nonexistent/out"] : []
    }

    @Test(arguments: zip(stages.map(\.tool), stages.map(\.issue)))
    func helpSaysPlainlyWhatIsNotBuilt(tool: String, issue: Int) throws {
        let result = try ExecutableRunner.run(tool, ["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("not built yet (issue #\(issue))"))
        #expect(result.stdout.contains("--threads"))
    }

    @Test(arguments: zip(stages.map(\.tool), stages.map(\.issue)))
    func runningRefusesWithItsIssue(tool: String, issue: Int) throws {
        let result = try ExecutableRunner.run(tool, [#filePath])
        #expect(result.status == 69)
        #expect(result.stderr.contains("\(tool): error:"))
        #expect(result.stderr.contains("issue #\(issue)"))
        #expect(result.stdout.isEmpty)
    }

    @Test(arguments: allStages)
    func unknownOptionIsAUsageError(tool: String) throws {
        let result = try ExecutableRunner.run(
            tool, ["input.txt", "--no-such-option"] + Self.required(tool))
        #expect(result.status == 64)
        #expect(result.stderr.contains("Unknown option '--no-such-option'"))
    }

    @Test(arguments: allStages)
    func missingInputIsNamed(tool: String) throws {
        let result = try ExecutableRunner.run(
            tool, ["/nonexistent/corpus.txt"] + Self.required(tool))
        #expect(result.status == 66)
        #expect(
            result.stderr.contains("input '/nonexistent/corpus.txt': no such file or directory"))
    }

    @Test func globMatchingNothingIsNamed() throws {
        let result = try ExecutableRunner.run("khudi-eval", ["/nonexistent/*.txt"])
        #expect(result.status == 66)
        #expect(result.stderr.contains("'/nonexistent/*.txt': the pattern matches no file"))
    }

    @Test func globIsExpanded() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
        let result = try ExecutableRunner.run("khudi-eval", ["\(folder)/*.swift"])
        #expect(result.status == 69, "a matching glob gets past input checking")
    }

    @Test func zeroThreadsIsRejected() throws {
        let result = try ExecutableRunner.run("khudi-eval", ["--threads", "0"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--threads must be at least 1 (got 0)"))
    }

    @Test func khudiHelpListsWhatWorksAndWhatDoesNot() throws {
        let result = try ExecutableRunner.run("khudi", ["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("doctor"))
        #expect(result.stdout.contains("not built yet"))
    }

    @Test func khudiRunChecksTheRecipeThenRefuses() throws {
        let missing = try ExecutableRunner.run("khudi", ["run", "/nonexistent/recipe.yaml"])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("'/nonexistent/recipe.yaml'"))
        let present = try ExecutableRunner.run("khudi", ["run", #filePath])
        #expect(present.status == 69)
        #expect(present.stderr.contains("recipe runner is not built yet"))
    }

    @Test func versionIsReported() throws {
        let result = try ExecutableRunner.run("khudi", ["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("0."))
    }
}
