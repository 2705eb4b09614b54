import Foundation
import KhudiText

/// One document as read, before decoding: its bytes, where it came from, and its id.
public struct RawDocument: Sendable {
    /// `FILE:LINE`, where LINE is the document's first line in the file.
    public var id: String
    public var source: String
    public var bytes: [UInt8]
    /// The `languageField` of a JSONL record (such as khudi-clean's `lang`), when asked for and
    /// present.
    public var language: String? = nil
}

/// Something wrong with an input that did not stop the run; every one is counted in the report.
public enum ReadIssue: Equatable, Sendable, CustomStringConvertible {
    case malformedJSON(path: String, line: Int, detail: String)
    case missingTextField(path: String, line: Int, field: String)
    case unreadable(path: String, detail: String)
    case binary(path: String)
    case emptyFile(path: String)

    public var kind: String {
        switch self {
        case .malformedJSON: "malformed_json"
        case .missingTextField: "missing_text_field"
        case .unreadable: "unreadable_file"
        case .binary: "binary_file"
        case .emptyFile: "empty_file"
        }
    }

    public var description: String {
        switch self {
        case .malformedJSON(let path, let line, let detail):
            "\(path):\(line): malformed JSON line (\(detail)); skipped"
        case .missingTextField(let path, let line, let field):
            "\(path):\(line): no string field \"\(field)\"; skipped"
        case .unreadable(let path, let detail): "\(path): cannot be read (\(detail)); skipped"
        case .binary(let path): "\(path): looks binary (NUL bytes or control characters); skipped"
        case .emptyFile(let path): "\(path): empty file"
        }
    }
}

/// Streams documents out of files: `.txt` (documents separated by blank lines, or one per line),
/// `.jsonl` (one JSON object per line, text in a chosen field), and either compressed as `.gz`
/// (decompressed by the system's gzip as it is read).
///
/// Memory holds one read chunk and one document at a time.
public struct DocumentReader {
    public var lineDocuments = false
    public var textField = "text"
    /// The JSONL field naming a document's language, read into `RawDocument.language`.
    public var languageField: String? = nil

    public init(lineDocuments: Bool = false, textField: String = "text") {
        self.lineDocuments = lineDocuments
        self.textField = textField
    }

    /// The summed on-disk sizes of `files` (compressed sizes for .gz), the denominator of
    /// progress reports.
    public static func totalSize(_ files: [String]) -> Int {
        files.reduce(0) {
            $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0)
        }
    }

    /// Files named by `paths`: files as given, directories searched recursively (sorted) for
    /// .txt, .jsonl, .txt.gz and .jsonl.gz files.
    public static func expand(_ paths: [String]) -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                files.append(path)  // reported as unreadable when read
                continue
            }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            let enumerator = FileManager.default.enumerator(atPath: path)
            var found: [String] = []
            while let relative = enumerator?.nextObject() as? String {
                let name = relative.lowercased()
                if name.hasSuffix(".txt") || name.hasSuffix(".jsonl") || name.hasSuffix(".txt.gz")
                    || name.hasSuffix(".jsonl.gz")
                {
                    found.append((path as NSString).appendingPathComponent(relative))
                }
            }
            files += found.sorted()
        }
        return files
    }

    /// Calls `document` for each document of `path` and `issue` for each problem met.
    public func read(
        _ path: String, document: (RawDocument) throws -> Void, issue: (ReadIssue) -> Void
    ) throws {
        let lower = path.lowercased()
        let compressed = lower.hasSuffix(".gz")
        let isJSONL = lower.hasSuffix(".jsonl") || lower.hasSuffix(".jsonl.gz")
        var gzip: Process?
        let handle: FileHandle
        do {
            if compressed {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                process.arguments = ["gzip", "-dc", path]
                let pipe = Pipe()
                process.standardOutput = pipe
                process.standardError = FileHandle.nullDevice
                try process.run()
                gzip = process
                handle = pipe.fileHandleForReading
            } else {
                handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
                let head = try handle.read(upToCount: 8_192) ?? Data()
                if head.isEmpty {
                    issue(.emptyFile(path: path))
                    return
                }
                if TextDecoding.looksBinary(head) {
                    issue(.binary(path: path))
                    return
                }
                try handle.seek(toOffset: 0)
            }
        } catch {
            issue(.unreadable(path: path, detail: Self.describe(error)))
            return
        }
        defer { try? handle.close() }
        var reader = LineReader(handle: handle)
        var current: [UInt8] = []
        var firstLine = 0
        func flush() throws {
            if !current.isEmpty {
                try document(RawDocument(id: "\(path):\(firstLine)", source: path, bytes: current))
                current.removeAll(keepingCapacity: true)
            }
        }
        while true {
            // A read failure (a file that vanished, a device error) ends this file with an
            // issue; errors from `document` (the caller's own output) propagate.
            let next: [UInt8]?
            do {
                next = try reader.nextLine()
            } catch {
                issue(.unreadable(path: path, detail: Self.describe(error)))
                break
            }
            guard let line = next else { break }
            let number = reader.lineNumber
            if isJSONL {
                guard !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) else { continue }
                switch Self.jsonText(line, field: textField, languageField: languageField) {
                case .success(let (bytes, language)):
                    try document(
                        RawDocument(
                            id: "\(path):\(number)", source: path, bytes: bytes, language: language)
                    )
                case .failure(.malformed(let detail)):
                    issue(.malformedJSON(path: path, line: number, detail: detail))
                case .failure(.missingField):
                    issue(.missingTextField(path: path, line: number, field: textField))
                }
            } else if lineDocuments {
                if !line.isEmpty {
                    try document(RawDocument(id: "\(path):\(number)", source: path, bytes: line))
                }
            } else if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
                try flush()
            } else {
                if current.isEmpty { firstLine = number } else { current.append(0x0A) }
                current.append(contentsOf: line)
            }
        }
        try flush()
        if let gzip {
            gzip.waitUntilExit()
            if gzip.terminationStatus != 0 {
                issue(
                    .unreadable(
                        path: path,
                        detail: "gzip could not decompress it (exit \(gzip.terminationStatus))"))
            }
        }
    }

    enum JSONProblem: Error {
        case malformed(String)
        case missingField
    }

    static func jsonText(
        _ line: [UInt8], field: String, languageField: String? = nil
    ) -> Result<([UInt8], String?), JSONProblem> {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(line))
        } catch {
            return .failure(.malformed("not valid JSON"))
        }
        guard let dictionary = object as? [String: Any] else {
            return .failure(.malformed("not a JSON object"))
        }
        guard let text = dictionary[field] as? String else { return .failure(.missingField) }
        return .success((Array(text.utf8), languageField.flatMap { dictionary[$0] as? String }))
    }

    static func describe(_ error: Error) -> String {
        (error as NSError).localizedDescription
    }
}
