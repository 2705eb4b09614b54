import ArgumentParser
import Foundation
import KhudiRecipe

/// `khudi verify RUN_DIR [--public-key FILE]`: a run's files against its manifest.
public struct VerifyCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a run directory against its khudi-manifest.json (and signature).",
        discussion: """
            Recomputes the SHA-256 of every file in the run directory and of every input that is \
            still on this machine, and checks the signature when the run was signed. Names each \
            file that changed, went missing or was added. Exit 0 when everything matches, 1 \
            otherwise.
            """)

    @Argument(help: "The run directory (holding khudi-manifest.json).")
    var runDirectory: String

    @Option(help: "Require a signature by this public key (khudi key generate wrote FILE.pub).")
    var publicKey: String?

    public init() {}

    public func run() throws {
        try reportingErrors(tool: "khudi verify") {
            let result: ManifestVerification
            do {
                result = try ManifestVerification.check(
                    runDirectory: runDirectory, publicKey: publicKey)
            } catch {
                throw UserError("\(error)", exitCode: ExitStatus.noInput)
            }
            for finding in result.findings { print("FAIL \(finding)") }
            let signature = result.signer.map { "signature ok (key \($0))" } ?? "not signed"
            print(
                "\(runDirectory): \(result.checkedOutputs) output(s) and \(result.checkedInputs) "
                    + "input(s) match; \(result.absentInputs) input(s) not on this machine; "
                    + signature)
            if !result.passed {
                print("\(runDirectory): \(result.findings.count) problem(s)")
                throw ExitCode(1)
            }
        }
    }
}

/// `khudi key generate --output FILE`: an Ed25519 key pair for signing manifests.
public struct KeyCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "key", abstract: "Make keys that sign run manifests.",
        subcommands: [KeyGenerateCommand.self])

    public init() {}
}

public struct KeyGenerateCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write an Ed25519 private key (mode 0600) to FILE and its public key to FILE.pub."
    )

    @Option(help: "The private key file to create (never overwritten).")
    var output: String

    public init() {}

    public func run() throws {
        try reportingErrors(tool: "khudi key generate") {
            do {
                try ManifestSignature.generateKey(at: output)
            } catch {
                throw UserError("\(error)", exitCode: ExitStatus.cannotCreate)
            }
            print("private key: \(output)\npublic key:  \(output).pub")
        }
    }
}
