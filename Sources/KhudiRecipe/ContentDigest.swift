import Crypto
import Foundation

/// SHA-256 digests of files, directory trees and globs: what cache keys and manifests record.
public enum ContentDigest {
    /// A path that could not be read while hashing.
    public struct ReadError: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "cannot read \(path): \(reason)" }
    }

    /// Hex SHA-256 of one file, read in 1 MiB pieces.
    public static func file(_ path: String) throws(ReadError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ReadError(path: path, reason: "missing or unreadable")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                hasher.update(data: chunk)
            }
        } catch {
            throw ReadError(path: path, reason: "\(error)")
        }
        return hex(hasher.finalize())
    }

    /// Hex SHA-256 of `text`'s UTF-8 bytes.
    public static func text(_ text: String) -> String {
        hex(SHA256.hash(data: Data(text.utf8)))
    }

    /// Every regular file under `path` (the file itself, every file in a directory tree, or every
    /// match of a glob) → its digest, keyed by absolute path.
    ///
    /// Symbolic links are followed; hidden files are included.
    public static func files(_ path: String) throws(ReadError) -> [String: String] {
        var result: [String: String] = [:]
        for match in try expand(path) {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: match, isDirectory: &isDirectory) else {
                throw ReadError(path: match, reason: "missing")
            }
            if isDirectory.boolValue {
                let enumerator = FileManager.default.enumerator(atPath: match)
                while let relative = enumerator?.nextObject() as? String {
                    let full = "\(match)/\(relative)"
                    var nestedDirectory: ObjCBool = false
                    // A file gone since the listing is not a directory: `file` then names it.
                    _ = FileManager.default.fileExists(atPath: full, isDirectory: &nestedDirectory)
                    if !nestedDirectory.boolValue { result[full] = try file(full) }
                }
            } else {
                result[match] = try file(match)
            }
        }
        return result
    }

    /// `files(directory)` keyed by each file's path relative to `base`, an ancestor of
    /// `directory` (the run directory, for stage records and the manifest).
    public static func files(
        under directory: String, relativeTo base: String
    ) throws(ReadError) -> [String: String] {
        var relative: [String: String] = [:]
        for (path, digest) in try files(directory) {
            relative[String(path.dropFirst(base.count + 1))] = digest
        }
        return relative
    }

    /// The paths a glob names (the path itself when it has no wildcard); a glob that matches
    /// nothing is an error, as the stage reading it would fail too.
    static func expand(_ pattern: String) throws(ReadError) -> [String] {
        guard isGlob(pattern) else { return [pattern] }
        var matches = glob_t()
        defer { globfree(&matches) }
        guard glob(pattern, 0, nil, &matches) == 0 else {
            throw ReadError(path: pattern, reason: "the pattern matches no file")
        }
        return (0..<Int(matches.gl_pathc)).compactMap { index in
            matches.gl_pathv[index].map { String(cString: $0) }
        }.sorted()
    }

    /// Whether `path` holds a glob wildcard.
    static func isGlob(_ path: String) -> Bool { path.contains { "*?[".contains($0) } }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
