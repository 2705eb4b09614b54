/// Bytes to text, with invalid UTF-8 repaired (each bad sequence becomes U+FFFD) and counted,
/// so a cleaning report can say how much was repaired instead of silently changing it.
public enum TextDecoding {
    /// The decoded text and the number of invalid sequences replaced.
    public static func decode<Bytes: Collection>(
        _ bytes: Bytes
    ) -> (text: String, invalidSequences: Int)
    where Bytes.Element == UInt8 {
        if let valid = String(validating: bytes, as: UTF8.self) { return (valid, 0) }
        var scalars = String.UnicodeScalarView()
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var invalid = 0
        loop: while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): scalars.append(Unicode.UTF8.decode(encoded))
            case .error:
                invalid += 1
                scalars.append("\u{FFFD}")
            case .emptyInput: break loop
            }
        }
        return (String(scalars), invalid)
    }

    /// The scalars of `text` in one pass (`Array(text.unicodeScalars)` walks the text twice,
    /// once to count it); the capacity is the UTF-8 length, an upper bound.
    public static func scalars(of text: String) -> [Unicode.Scalar] {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars { scalars.append(scalar) }
        return scalars
    }

    /// Whether `bytes` look like binary data rather than text: any NUL byte, or more than 10% of
    /// bytes being C0 controls other than tab, newline and carriage return.
    public static func looksBinary<Bytes: Collection>(_ bytes: Bytes) -> Bool
    where Bytes.Element == UInt8 {
        var controls = 0
        var count = 0
        for byte in bytes {
            count += 1
            if byte == 0 { return true }
            if byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D { controls += 1 }
        }
        return count > 0 && controls * 10 > count
    }
}
