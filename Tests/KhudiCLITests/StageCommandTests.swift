import Foundation
import Testing

/// The stage executables' shared contract: usage errors, missing inputs and globs named.
@Suite struct StageCommandTests {
    static let allStages = ["khudi-clean", "khudi-train"]
    /// Arguments a stage requires besides its inputs (khudi-clean needs --output).
    static func required(_ tool: String) -> [String] {
        tool == "khudi-clean" ? ["--output", "/nonexistent/out"] : []
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
        let result = try ExecutableRunner.run(
            "khudi-eval", ["perplexity", "--model", "/tmp", "--text", "/nonexistent/*.txt"])
        #expect(result.status == 66)
        #expect(result.stderr.contains("'/nonexistent/*.txt': the pattern matches no file"))
    }

    @Test func globIsExpanded() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
        let result = try ExecutableRunner.run(
            "khudi-eval",
            ["perplexity", "--model", "/nonexistent/model", "--text", "\(folder)/*.swift"])
        // A matching glob gets past input checking to the next problem: the model.
        #expect(result.status == 66)
        #expect(result.stderr.contains("'/nonexistent/model'"))
    }

    @Test func zeroThreadsIsRejected() throws {
        let result = try ExecutableRunner.run("khudi-eval", ["perplexity", "--threads", "0"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--threads must be at least 1 (got 0)"))
    }

    @Test func khudiHelpListsItsCommands() throws {
        let result = try ExecutableRunner.run("khudi", ["--help"])
        #expect(result.status == 0)
        for command in ["doctor", "run", "recipe", "verify", "key", "generate", "model"] {
            #expect(result.stdout.contains("  \(command)"), "\(command)")
        }
    }

    @Test func khudiRunNamesAMissingOrBrokenRecipe() throws {
        let missing = try ExecutableRunner.run("khudi", ["run", "/nonexistent/recipe.yaml"])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("'/nonexistent/recipe.yaml'"))
        let notARecipe = try ExecutableRunner.run("khudi", ["run", #filePath])
        #expect(notARecipe.status == 78)
        #expect(notARecipe.stderr.contains("StageCommandTests.swift"))
    }

    @Test func versionIsReported() throws {
        let result = try ExecutableRunner.run("khudi", ["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("0."))
    }
}
