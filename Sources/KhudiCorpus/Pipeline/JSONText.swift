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
            // The bytes from `run` on are not written yet.
            var run = 0
            while let found = nextEscaped(source, from: run) {
                let byte = source[found]
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: source[run..<found]))
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
                run = found + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: source[run...]))
            bytes.append(0x22)
        }
    }

    /// The index of the first byte at or after `start` that needs an escape (a control
    /// character, a quote or a backslash), looking at eight bytes at a time (byte by byte, the
    /// scan was 1.6% of a cleaning run).
    @inline(__always) static func nextEscaped(
        _ source: UnsafeBufferPointer<UInt8>, from start: Int
    ) -> Int? {
        var i = start
        if let base = source.baseAddress {
            while i + 8 <= source.count {
                let word = ByteLanes.word(at: base + i)
                // Controls are the bytes below 0x20: neither their top bit nor low bits ≥ 0x20.
                let controls = ~(ByteLanes.lowBitsAtLeast(word, 0x20) | word) & ByteLanes.topBits
                let escaped =
                    controls | ByteLanes.equal(word, 0x22) | ByteLanes.equal(word, 0x5C)
                if escaped != 0 { return i + escaped.trailingZeroBitCount / 8 }
                i += 8
            }
        }
        while i < source.count {
            let byte = source[i]
            if byte < 0x20 || byte == 0x22 || byte == 0x5C { return i }
            i += 1
        }
        return nil
    }

    /// `String(format: "%.4f", x)` for the shard records' scores, without Foundation's format
    /// machinery (1% of a cleaning run): x·10⁴ is rounded directly unless it lies within 10⁻⁹
    /// of a half, where the multiplication's rounding error (at most about 10⁻¹²) could matter
    /// and Foundation decides; so the digits are the same.
    static func fixedFour(_ x: Double) -> String {
        let scaled = x * 10_000
        guard x.isFinite, x >= 0, scaled < 1e15,
            abs(scaled - scaled.rounded(.down) - 0.5) > 1e-9
        else { return String(format: "%.4f", x) }
        let n = Int(scaled.rounded())
        let fraction = String(n % 10_000)
        return "\(n / 10_000)." + String(repeating: "0", count: 4 - fraction.count) + fraction
    }
}
