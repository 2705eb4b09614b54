import Foundation
import KhudiText

/// Text per language for training and evaluating language identification, read from files
/// named `LANGUAGE=PATH` (plain text, one item per line, or JSONL with a "text" field).
///
/// Each line belongs to the training or the held-out part by a hash of its content (held out
/// when FNV-1a(line) mod 10 = 0), so the split is the same on every machine and a line never
/// sits on both sides.
public struct LabelledCorpus {
    public var training: [Language: [String]] = [:]
    public var heldOut: [Language: [String]] = [:]

    public init() {}

    /// One `LANGUAGE=PATH` source.
    public struct Source: Equatable {
        public var language: Language
        public var path: String

        /// Parses `urd=path/to/file.txt`.
        public init(parsing text: String) throws(CorpusError) {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw .badSource(text, "expected LANGUAGE=PATH") }
            guard let language = Language(code: parts[0]) else {
                throw .unknownLanguage(parts[0], known: Language.allCases.map(\.code))
            }
            self.language = language
            path = parts[1]
        }
    }

    /// Adds up to `limit` lines per part from `source`.
    public mutating func add(_ source: Source, limit: Int = 20_000) throws {
        let text: String
        do {
            text = try String(contentsOfFile: source.path, encoding: .utf8)
        } catch {
            throw CorpusError.unreadable(source.path, "\(error.localizedDescription)")
        }
        let isJSONL = source.path.hasSuffix(".jsonl")
        for rawLine in text.split(separator: "\n") {
            if training[source.language, default: []].count >= limit
                && heldOut[source.language, default: []].count >= limit
            {
                break
            }
            var line = String(rawLine)
            if isJSONL {
                guard
                    let object = try? JSONSerialization.jsonObject(with: Data(line.utf8))
                        as? [String: Any],
                    let field = object["text"] as? String
                else { continue }
                line = field
            }
            line = line.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty else { continue }
            if Self.isHeldOut(line) {
                if heldOut[source.language, default: []].count < limit {
                    heldOut[source.language, default: []].append(line)
                }
            } else if training[source.language, default: []].count < limit {
                training[source.language, default: []].append(line)
            }
        }
    }

    /// Whether `line` belongs to the held-out tenth.
    public static func isHeldOut(_ line: String) -> Bool {
        ByteHash.fnv1a(line.utf8) % 10 == 0
    }
}

/// Problems with corpus inputs, each naming the input.
public enum CorpusError: Error, Equatable, CustomStringConvertible {
    case badSource(String, String)
    case unknownLanguage(String, known: [String])
    case unreadable(String, String)

    public var description: String {
        switch self {
        case .badSource(let text, let detail): "'\(text)': \(detail)"
        case .unknownLanguage(let code, let known):
            "unknown language code '\(code)' (known: \(known.joined(separator: ", ")))"
        case .unreadable(let path, let detail): "cannot read '\(path)': \(detail)"
        }
    }
}
