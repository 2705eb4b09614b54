/// Tests on eight bytes at once, held in one 64-bit word (SWAR), for the byte scans of
/// cleaning (`TextCensus`, `PIIRedactor.mayHoldPII`): each answers with the top bit of every
/// byte that passes set, and nothing else.
enum ByteLanes {
    /// The top bit of every byte.
    static let topBits: UInt64 = 0x8080_8080_8080_8080

    /// The eight bytes at `pointer`, byte i in bits 8i..<8i+8 whatever the machine's byte order
    /// (so shifting left moves a byte towards the ones after it).
    @inline(__always) static func word(at pointer: UnsafeRawPointer) -> UInt64 {
        pointer.loadUnaligned(as: UInt64.self).littleEndian
    }

    /// The bytes of `word` equal to `value`.
    @inline(__always) static func equal(_ word: UInt64, _ value: UInt8) -> UInt64 {
        let x = word ^ (0x0101_0101_0101_0101 &* UInt64(value))
        // Adding 0x7F to a byte's low seven bits carries into its top bit unless they are zero,
        // and never into the next byte; with x's own top bit, the top bit is set iff x ≠ 0.
        let nonzero = ((x & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7F7F_7F7F_7F7F_7F7F) | x
        return ~nonzero & topBits
    }

    /// The bytes of `word` whose low seven bits are at least `bound` (0…0x80), whatever their
    /// top bit; the sums never carry into the next byte (at most 0x7F + 0x80).
    @inline(__always) static func lowBitsAtLeast(_ word: UInt64, _ bound: UInt8) -> UInt64 {
        ((word & 0x7F7F_7F7F_7F7F_7F7F) &+ (0x80 - UInt64(bound)) &* 0x0101_0101_0101_0101)
            & topBits
    }
}
