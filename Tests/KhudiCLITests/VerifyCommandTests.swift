import Foundation
import Testing

/// `khudi verify` and `khudi key generate` on bad input: each is named, nothing is written.
@Suite struct VerifyCommandTests {
    let directory = NSTemporaryDirectory() + "khudi-verify-\(UUID().uuidString)"

    init() throws {
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true)
    }

    @Test func aDirectoryWithoutAManifestIsNamed() throws {
        let result = try ExecutableRunner.run("khudi", ["verify", directory])
        #expect(result.status == 66)
        #expect(result.stderr.contains("no manifest (run the recipe with khudi run first)"))
    }

    @Test func aManifestOfAnotherFormatIsRefused() throws {
        try Data(#"{"format": "something-else"}"#.utf8).write(
            to: URL(fileURLWithPath: "\(directory)/khudi-manifest.json"))
        let result = try ExecutableRunner.run("khudi", ["verify", directory])
        #expect(result.status == 66)
        #expect(result.stderr.contains("not a khudi-manifest/1 manifest"))
    }

    @Test func aBrokenKeyFileIsNamed() throws {
        try Data(#"{"format": "khudi-manifest/1", "outputs": {}}"#.utf8).write(
            to: URL(fileURLWithPath: "\(directory)/khudi-manifest.json"))
        try Data(#"{"algorithm": "ed25519", "public_key": "AAAA", "signature": "AAAA"}"#.utf8)
            .write(to: URL(fileURLWithPath: "\(directory)/khudi-manifest.json.sig"))
        let badSignature = try ExecutableRunner.run("khudi", ["verify", directory])
        #expect(badSignature.status == 1)
        #expect(badSignature.stdout.contains("is not a valid signature file"))
        let key = "\(directory)/not-a-key.pub"
        try Data("hello\n".utf8).write(to: URL(fileURLWithPath: key))
        let result = try ExecutableRunner.run("khudi", ["verify", directory, "--public-key", key])
        #expect(result.status == 66)
        #expect(result.stderr.contains("not-a-key.pub: not a khudi-ed25519-public key file"))
    }

    @Test func aBadSigningKeyStopsTheRunBeforeAnyStage() throws {
        let recipe = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("recipes/quickstart.yaml").path
        let key = "\(directory)/not-a-key"
        try Data("khudi-ed25519-private\nAAAA\n".utf8).write(to: URL(fileURLWithPath: key))
        let output = "\(directory)/run"
        let result = try ExecutableRunner.run(
            "khudi", ["run", recipe, "--set", "output=\(output)", "--sign-key", key])
        #expect(result.status == 78)
        #expect(result.stderr.contains("not-a-key: not a khudi-ed25519-private key file"))
        #expect(!result.stderr.contains("== clean"))
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test func anUnsignedRunFailsWhenAKeyIsRequired() throws {
        try Data(#"{"format": "khudi-manifest/1", "outputs": {}}"#.utf8).write(
            to: URL(fileURLWithPath: "\(directory)/khudi-manifest.json"))
        let key = "\(directory)-signing"
        defer {
            try? FileManager.default.removeItem(atPath: key)
            try? FileManager.default.removeItem(atPath: key + ".pub")
        }
        #expect(
            try ExecutableRunner.run("khudi", ["key", "generate", "--output", key]).status == 0)
        let attributes = try FileManager.default.attributesOfItem(atPath: key)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let result = try ExecutableRunner.run(
            "khudi", ["verify", directory, "--public-key", key + ".pub"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("FAIL the manifest is not signed"))
        let plain = try ExecutableRunner.run("khudi", ["verify", directory])
        #expect(plain.status == 0)
        #expect(plain.stdout.contains("not signed"))
    }
}
