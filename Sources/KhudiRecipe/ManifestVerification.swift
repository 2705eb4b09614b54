import Crypto
import Foundation

/// `khudi verify RUN_DIR`: the run directory's files against its manifest, and the manifest
/// against its signature.
public struct ManifestVerification: Sendable {
    /// One thing that does not match.
    public enum Finding: Sendable, Equatable, CustomStringConvertible {
        case changed(String)
        case missing(String)
        case added(String)
        case inputChanged(String)
        case badSignature(String)
        case unsigned
        case otherSigner(String)

        public var description: String {
            switch self {
            case .changed(let path): "changed: \(path)"
            case .missing(let path): "missing: \(path)"
            case .added(let path): "not in the manifest: \(path)"
            case .inputChanged(let path): "input changed since the run: \(path)"
            case .badSignature(let reason): "signature: \(reason)"
            case .unsigned: "the manifest is not signed"
            case .otherSigner(let key): "signed by another key (\(key))"
            }
        }
    }

    public enum VerificationError: Error, CustomStringConvertible {
        case unreadable(String, String)
        public var description: String {
            switch self {
            case .unreadable(let path, let reason): "\(path): \(reason)"
            }
        }
    }

    public var findings: [Finding] = []
    /// Outputs whose digests matched.
    public var checkedOutputs = 0
    /// Inputs whose digests matched; inputs no longer on this machine are not counted.
    public var checkedInputs = 0
    public var absentInputs = 0
    /// The signer's public key (base64) when the signature is valid.
    public var signer: String?

    public var passed: Bool { findings.isEmpty }

    /// Checks `runDirectory`; with `publicKey`, the manifest must be signed by that key.
    public static func check(
        runDirectory: String, publicKey: String? = nil
    ) throws(VerificationError) -> ManifestVerification {
        let manifestPath = "\(runDirectory)/\(Manifest.fileName)"
        guard let data = FileManager.default.contents(atPath: manifestPath) else {
            throw .unreadable(manifestPath, "no manifest (run the recipe with khudi run first)")
        }
        guard let manifest = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            manifest["format"] as? String == Manifest.format,
            let outputs = manifest["outputs"] as? [String: String]
        else {
            throw .unreadable(manifestPath, "not a \(Manifest.format) manifest")
        }
        var result = ManifestVerification()
        try result.checkSignature(data, runDirectory: runDirectory, publicKey: publicKey)
        let present: [String: String]
        do {
            present = try Manifest.runFiles(runDirectory)
        } catch {
            throw .unreadable(runDirectory, "\(error)")
        }
        for (path, digest) in outputs.sorted(by: { $0.key < $1.key }) {
            guard let now = present[path] else {
                result.findings.append(.missing(path))
                continue
            }
            if now == digest {
                result.checkedOutputs += 1
            } else {
                result.findings.append(.changed(path))
            }
        }
        for path in present.keys.sorted() where outputs[path] == nil {
            result.findings.append(.added(path))
        }
        for (path, digest) in (manifest["inputs"] as? [String: String] ?? [:]).sorted(by: {
            $0.key < $1.key
        }) {
            guard FileManager.default.fileExists(atPath: path) else {
                result.absentInputs += 1
                continue
            }
            if (try? ContentDigest.file(path)) == digest {
                result.checkedInputs += 1
            } else {
                result.findings.append(.inputChanged(path))
            }
        }
        return result
    }

    mutating func checkSignature(
        _ manifest: Data, runDirectory: String, publicKey: String?
    ) throws(VerificationError) {
        // The key asked for is read first, so a bad key file is named whatever the run holds.
        var expected: Curve25519.Signing.PublicKey?
        if let publicKey {
            do {
                expected = try ManifestSignature.publicKey(publicKey)
            } catch {
                throw .unreadable(publicKey, error.reason)
            }
        }
        let path = "\(runDirectory)/\(ManifestSignature.fileName)"
        guard let data = FileManager.default.contents(atPath: path) else {
            if expected != nil { findings.append(.unsigned) }
            return
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: String],
            object["algorithm"] == "ed25519", let keyText = object["public_key"],
            let keyBytes = Data(base64Encoded: keyText),
            let signature = object["signature"].flatMap({ Data(base64Encoded: $0) }),
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: keyBytes)
        else {
            findings.append(
                .badSignature("\(ManifestSignature.fileName) is not a valid signature file"))
            return
        }
        if let expected, expected.rawRepresentation != key.rawRepresentation {
            findings.append(.otherSigner(keyText))
            return
        }
        if key.isValidSignature(signature, for: manifest) {
            signer = keyText
        } else {
            findings.append(.badSignature("does not match the manifest (the manifest was edited)"))
        }
    }
}
