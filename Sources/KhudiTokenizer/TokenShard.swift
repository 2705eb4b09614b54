import Foundation

/// A file of token ids for training, memory-mapped by the training stage.
///
/// A 64-byte little-endian header, then the ids as uint16 (a vocabulary up to 65,536) or
/// uint32. Documents are separated by the EOS id.
///
/// Header: magic "KHUDITOK" (8 bytes), version (u32, 1), bytes per token (u32, 2 or 4), token
/// count (u64), document count (u64), vocabulary size (u32), EOS id (u32), zeros to 64 bytes.
public struct TokenShard {
    public static let magic = Array("KHUDITOK".utf8)
    public static let version: UInt32 = 1
    public static let headerSize = 64

    public let path: String
    public let bytesPerToken: Int
    public let tokenCount: Int
    public let documentCount: Int
    public let vocabularySize: Int
    public let eosID: Int
    private let data: Data

    /// Maps `path` and checks its header against its size.
    public init(path: String) throws(TokenShardError) {
        self.path = path
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw .unreadable(path, (error as NSError).localizedDescription)
        }
        guard data.count >= Self.headerSize else {
            throw .bad(
                path, "header",
                "file has \(data.count) bytes, fewer than the \(Self.headerSize)-byte header")
        }
        func u32(_ offset: Int) -> UInt32 {
            data.withUnsafeBytes {
                $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian
            }
        }
        func u64(_ offset: Int) -> UInt64 {
            data.withUnsafeBytes {
                $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian
            }
        }
        guard Array(data.prefix(8)) == Self.magic else {
            throw .bad(path, "magic", "not a Khudi token shard")
        }
        guard u32(8) == Self.version else {
            throw .bad(path, "version", "version \(u32(8)), expected \(Self.version)")
        }
        let width = Int(u32(12))
        guard width == 2 || width == 4 else {
            throw .bad(path, "bytes per token", "\(width), expected 2 or 4")
        }
        let count = Int(u64(16))
        guard data.count == Self.headerSize + count * width else {
            throw .bad(
                path, "token count",
                "header says \(count) tokens (\(Self.headerSize + count * width) bytes) but the file has \(data.count) bytes (truncated or padded)"
            )
        }
        self.data = data
        bytesPerToken = width
        tokenCount = count
        documentCount = Int(u64(24))
        vocabularySize = Int(u32(32))
        eosID = Int(u32(36))
    }

    /// The id at `index`.
    public subscript(index: Int) -> Int {
        data.withUnsafeBytes { raw in
            let offset = Self.headerSize + index * bytesPerToken
            return bytesPerToken == 2
                ? Int(raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self).littleEndian)
                : Int(raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian)
        }
    }

    /// The ids in `range`.
    public func tokens(_ range: Range<Int>) -> [Int] { range.map { self[$0] } }

    /// The bytes of a shard holding `tokens`.
    public static func encode(
        tokens: [Int], documents: Int, vocabularySize: Int, eosID: Int
    ) -> Data {
        let width = vocabularySize <= 65_536 ? 2 : 4
        var data = Data(capacity: headerSize + tokens.count * width)
        data.append(contentsOf: magic)
        func append<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
        }
        append(version)
        append(UInt32(width))
        append(UInt64(tokens.count))
        append(UInt64(documents))
        append(UInt32(vocabularySize))
        append(UInt32(eosID))
        data.append(contentsOf: [UInt8](repeating: 0, count: headerSize - data.count))
        if width == 2 {
            for token in tokens { append(UInt16(token)) }
        } else {
            for token in tokens { append(UInt32(token)) }
        }
        return data
    }
}

/// A token shard that cannot be used, naming the file and the field.
public enum TokenShardError: Error, Equatable, CustomStringConvertible {
    case unreadable(String, String)
    case bad(String, String, String)

    public var description: String {
        switch self {
        case .unreadable(let path, let detail): "\(path): cannot be read (\(detail))"
        case .bad(let path, let field, let detail): "\(path): bad \(field): \(detail)"
        }
    }
}
