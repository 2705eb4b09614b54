import Foundation

/// Minimal JSON string escaping for the shard writer (JSONSerialization per record is slow).
enum JSONText {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// `text` as a JSON string literal, escaped on its UTF-8 bytes (multi-byte sequences are
    /// copied as they are, which JSON allows).
    static func quoted(_ text: String) -> String {
        var bytes: [UInt8] = [0x22]
        bytes.reserveCapacity(text.utf8.count + 16)
        func escape(_ letter: UInt8) {
            bytes.append(0x5C)
            bytes.append(letter)
        }
        for byte in text.utf8 {
            switch byte {
            case 0x22: escape(0x22)
            case 0x5C: escape(0x5C)
            case 0x0A: escape(0x6E)
            case 0x0D: escape(0x72)
            case 0x09: escape(0x74)
            case 0..<0x20:
                escape(0x75)
                bytes.append(contentsOf: [
                    0x30, 0x30, hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)],
                ])
            default: bytes.append(byte)
            }
        }
        bytes.append(0x22)
        return String(decoding: bytes, as: UTF8.self)
    }
}
