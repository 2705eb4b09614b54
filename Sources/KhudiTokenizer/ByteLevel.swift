/// GPT-2's byte-to-character map, which byte-level BPE vocabularies are written in: the 188
/// printable bytes (0x21–0x7E, 0xA1–0xAC, 0xAE–0xFF) map to themselves, the other 68 bytes in
/// ascending order to U+0100, U+0101, … (so space is Ġ U+0120 and newline Ċ U+010A).
public enum ByteLevel {
    /// The character standing for each byte value.
    public static let characters: [Character] = {
        var map = [Character](repeating: " ", count: 256)
        var next: UInt32 = 0x100
        for byte in 0..<256 {
            let printable =
                (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte)
                || (0xAE...0xFF).contains(byte)
            let scalar =
                printable
                ? UInt32(byte)
                : {
                    defer { next += 1 }
                    return next
                }()
            map[byte] = Character(Unicode.Scalar(scalar) ?? " ")
        }
        return map
    }()

    /// The byte each map character stands for.
    public static let bytes: [Character: UInt8] = {
        var reverse: [Character: UInt8] = [:]
        for (byte, character) in characters.enumerated() { reverse[character] = UInt8(byte) }
        return reverse
    }()

    /// `bytes` written in the map's characters.
    public static func encode<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        String(bytes.map { characters[Int($0)] })
    }

    /// The bytes a map string stands for, or nil if it holds a character outside the map.
    public static func decode(_ text: String) -> [UInt8]? {
        var result: [UInt8] = []
        for character in text {
            guard let byte = bytes[character] else { return nil }
            result.append(byte)
        }
        return result
    }
}
