import Foundation

/// A file written through a buffer and fsync'ed on close, so that once a run renames its
/// staging directory into place every byte is on disk.
final class OutputFile {
    private let handle: FileHandle
    private let url: URL
    private var buffer = Data()

    init(_ url: URL) throws {
        self.url = url
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CleaningError.cannotWrite(url.path, "cannot create the file")
        }
        handle = try FileHandle(forWritingTo: url)
    }

    func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 20 { try flush() }
    }

    /// Appends bytes as they are (already UTF-8).
    func write<Bytes: Collection>(bytes: Bytes) throws where Bytes.Element == UInt8 {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func flush() throws {
        do {
            try handle.write(contentsOf: buffer)
        } catch {
            throw CleaningError.cannotWrite(url.path, (error as NSError).localizedDescription)
        }
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        try flush()
        try handle.synchronize()
        try handle.close()
    }

    /// Writes `data` to `url` in one go, fsync'ed.
    static func write(_ data: Data, to url: URL) throws {
        let file = try OutputFile(url)
        file.buffer = data
        try file.close()
    }
}

/// Writes documents into `shard-00000.jsonl`, `shard-00001.jsonl`, … of a fixed size.
struct ShardWriter {
    let directory: URL
    let documentsPerShard: Int
    private var current: OutputFile?
    private var inCurrent = 0
    private var names: [String] = []

    init(directory: URL, documentsPerShard: Int) throws {
        self.directory = directory
        self.documentsPerShard = documentsPerShard
    }

    /// Writes one document's line: `record`'s bytes, then `ending` (the rest of the line with
    /// its newline).
    mutating func write(_ record: ArraySlice<UInt8>, _ ending: String) throws {
        if current == nil || inCurrent >= documentsPerShard {
            try current?.close()
            let name = String(format: "shard-%05d.jsonl", names.count)
            names.append(name)
            current = try OutputFile(directory.appendingPathComponent(name))
            inCurrent = 0
        }
        try current?.write(bytes: record)
        try current?.write(ending)
        inCurrent += 1
    }

    /// Closes the last shard and returns every shard's name.
    mutating func finish() throws -> [String] {
        try current?.close()
        current = nil
        return names
    }
}
