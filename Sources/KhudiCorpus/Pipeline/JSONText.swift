import Foundation

/// Minimal JSON string escaping for the shard writer (JSONSerialization per record is slow).
enum JSONText {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// `text` as a JSON string literal, escaped on its UTF-8 bytes (multi-byte sequences are
    /// copied as they are, which JSON allows).
    ///
    /// Runs of bytes that need no escape are copied whole, so a document without quotes,
    /// backslashes or control characters costs one scan and one copy.
    static func quoted(_ text: String) -> String {
        var bytes: [UInt8] = []
        appendQuoted(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `quoted(text)`'s bytes to `bytes`, for records built as bytes (making a String
    /// of each literal validated every document's text once more).
    static func appendQuoted(_ text: String, to bytes: inout [UInt8]) {
        var text = text
        text.withUTF8 { source in
            bytes.reserveCapacity(bytes.count + source.count + 16)
            bytes.append(0x22)
            var run = 0
            for (i, byte) in source.enumerated() where byte < 0x20 || byte == 0x22 || byte == 0x5C {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: source[run..<i]))
                bytes.append(0x5C)
                switch byte {
                case 0x22, 0x5C: bytes.append(byte)
                case 0x0A: bytes.append(0x6E)
                case 0x0D: bytes.append(0x72)
                case 0x09: bytes.append(0x74)
                default:
                    bytes.append(contentsOf: [
                        0x75, 0x30, 0x30, hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)],
                    ])
                }
                run = i + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: source[run...]))
            bytes.append(0x22)
        }
    }
}
