/// Reading and writing UTF-8 a scalar at a time, for the passes that work on a text's bytes
/// directly (the script normalizer's byte path and the language normalizer's rewrite).
enum UTF8Bytes {
    /// The length of the sequence whose lead byte is `lead`, assuming valid UTF-8.
    @inline(__always) static func length(lead: UInt8) -> Int {
        lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
    }

    /// The length of the UTF-8 sequence starting with the non-ASCII byte at `i`, or nil when it
    /// is not valid (a stray continuation byte, an overlong form, a surrogate, a value past
    /// U+10FFFF, or a sequence cut short).
    @inline(__always) static func validLength(
        _ input: UnsafeBufferPointer<UInt8>, at i: Int
    ) -> Int? {
        let n = input.count
        @inline(__always) func continues(_ k: Int) -> Bool {
            k < n && input[k] & 0xC0 == 0x80
        }
        switch input[i] {
        case 0xC2...0xDF:
            return continues(i + 1) ? 2 : nil
        case 0xE0...0xEF:
            guard continues(i + 1), continues(i + 2) else { return nil }
            if input[i] == 0xE0 && input[i + 1] < 0xA0 { return nil }  // overlong
            if input[i] == 0xED && input[i + 1] > 0x9F { return nil }  // surrogate
            return 3
        case 0xF0...0xF4:
            guard continues(i + 1), continues(i + 2), continues(i + 3) else { return nil }
            if input[i] == 0xF0 && input[i + 1] < 0x90 { return nil }  // overlong
            if input[i] == 0xF4 && input[i + 1] > 0x8F { return nil }  // past U+10FFFF
            return 4
        default:
            return nil
        }
    }

    /// The scalar value of the valid UTF-8 sequence of `length` bytes at `i`.
    @inline(__always) static func decode(
        _ input: UnsafeBufferPointer<UInt8>, at i: Int, length: Int
    ) -> UInt32 {
        let b0 = UInt32(input[i])
        switch length {
        case 1: return b0
        case 2: return (b0 & 0x1F) << 6 | UInt32(input[i + 1] & 0x3F)
        case 3:
            return (b0 & 0x0F) << 12 | UInt32(input[i + 1] & 0x3F) << 6
                | UInt32(input[i + 2] & 0x3F)
        default:
            return (b0 & 0x07) << 18 | UInt32(input[i + 1] & 0x3F) << 12
                | UInt32(input[i + 2] & 0x3F) << 6 | UInt32(input[i + 3] & 0x3F)
        }
    }

    /// Writes `v`'s UTF-8 at `at`; returns the position after it.
    @inline(__always) static func encode(
        _ v: UInt32, into output: UnsafeMutableBufferPointer<UInt8>, at: Int
    ) -> Int {
        switch v {
        case 0..<0x80:
            output[at] = UInt8(v)
            return at + 1
        case 0x80..<0x800:
            output[at] = UInt8(0xC0 | (v >> 6))
            output[at + 1] = UInt8(0x80 | (v & 0x3F))
            return at + 2
        case 0x800..<0x10000:
            output[at] = UInt8(0xE0 | (v >> 12))
            output[at + 1] = UInt8(0x80 | ((v >> 6) & 0x3F))
            output[at + 2] = UInt8(0x80 | (v & 0x3F))
            return at + 3
        default:
            output[at] = UInt8(0xF0 | (v >> 18))
            output[at + 1] = UInt8(0x80 | ((v >> 12) & 0x3F))
            output[at + 2] = UInt8(0x80 | ((v >> 6) & 0x3F))
            output[at + 3] = UInt8(0x80 | (v & 0x3F))
            return at + 4
        }
    }
}
