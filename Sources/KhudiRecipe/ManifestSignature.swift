import Crypto
import Foundation
import KhudiModels

/// Ed25519 signatures over a manifest's exact bytes, with keys the user holds.
///
/// Key files are two lines: a type line (`khudi-ed25519-private` or `khudi-ed25519-public`)
/// and the raw 32-byte key in base64. The signature file, `khudi-manifest.json.sig`, is JSON:
/// `{"algorithm": "ed25519", "public_key": BASE64, "signature": BASE64}`.
public enum ManifestSignature {
    public static let fileName = "khudi-manifest.json.sig"
    static let privateType = "khudi-ed25519-private"
    static let publicType = "khudi-ed25519-public"

    public struct KeyError: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// Creates a key pair: `path` (private, mode 0600) and `path.pub`.
    ///
    /// Refuses to replace an existing key.
    public static func generateKey(at path: String) throws(KeyError) {
        for file in [path, path + ".pub"] where FileManager.default.fileExists(atPath: file) {
            throw KeyError(path: file, reason: "already exists; a key is never overwritten")
        }
        let key = Curve25519.Signing.PrivateKey()
        let privateText = "\(privateType)\n\(key.rawRepresentation.base64EncodedString())\n"
        let publicText =
            "\(publicType)\n\(key.publicKey.rawRepresentation.base64EncodedString())\n"
        if let failure = writeAtomically(Array(privateText.utf8), to: path) {
            throw KeyError(path: path, reason: failure)
        }
        chmod(path, 0o600)
        if let failure = writeAtomically(Array(publicText.utf8), to: path + ".pub") {
            throw KeyError(path: path + ".pub", reason: failure)
        }
    }

    static func keyBytes(_ path: String, type: String) throws(KeyError) -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KeyError(path: path, reason: "cannot read the key file")
        }
        let lines = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
        guard lines.count == 2, lines[0] == type, let bytes = Data(base64Encoded: String(lines[1])),
            bytes.count == 32
        else {
            throw KeyError(path: path, reason: "not a \(type) key file")
        }
        return bytes
    }

    public static func publicKey(_ path: String) throws(KeyError) -> Curve25519.Signing.PublicKey {
        let bytes = try keyBytes(path, type: publicType)
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: bytes) else {
            throw KeyError(path: path, reason: "not a valid Ed25519 public key")
        }
        return key
    }

    /// The private key at `path`, read before a run so a bad key file stops it before any
    /// stage instead of after the last one.
    public static func privateKey(_ path: String) throws(KeyError) -> SigningKey {
        let bytes = try keyBytes(path, type: privateType)
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: bytes) else {
            throw KeyError(path: path, reason: "not a valid Ed25519 private key")
        }
        return SigningKey(key: key)
    }

    /// A private key read from its file, held until the manifest is written.
    public struct SigningKey {
        let key: Curve25519.Signing.PrivateKey
    }

    /// Signs `manifest` (its bytes as written) with `key` and writes the signature file into
    /// `runDirectory`.
    public static func sign(
        _ manifest: Data, with signingKey: SigningKey, runDirectory: String
    ) throws(KeyError) {
        let key = signingKey.key
        let path = "\(runDirectory)/\(fileName)"
        guard let signature = try? key.signature(for: manifest) else {
            throw KeyError(path: path, reason: "signing failed")
        }
        let object: [String: String] = [
            "algorithm": "ed25519",
            "public_key": key.publicKey.rawRepresentation.base64EncodedString(),
            "signature": signature.base64EncodedString(),
        ]
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        if let failure = writeAtomically(Array(data), to: path) {
            throw KeyError(path: path, reason: failure)
        }
    }
}
