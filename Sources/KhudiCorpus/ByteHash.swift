/// FNV-1a over bytes: the 64-bit key words, lines, n-grams and held-out lines are compared by
/// across KhudiCorpus (Swift's seeded `Hasher` would differ between runs and cost more).
enum ByteHash {
    /// FNV-1a of `bytes`, straight over their storage when it is contiguous (a String's UTF-8
    /// view usually is).
    @inline(__always) static func fnv1a<C: Collection>(_ bytes: C) -> UInt64
    where C.Element == UInt8 {
        bytes.withContiguousStorageIfAvailable { fnv1a(sequence: $0) } ?? fnv1a(sequence: bytes)
    }

    @inline(__always) private static func fnv1a<S: Sequence>(sequence bytes: S) -> UInt64
    where S.Element == UInt8 {
        var h = offset
        for byte in bytes { h = step(h, byte) }
        return h
    }

    /// FNV-1a's starting value: the hash of no bytes.
    static let offset: UInt64 = 0xCBF2_9CE4_8422_2325

    /// `h` extended by one byte.
    @inline(__always) static func step(_ h: UInt64, _ byte: UInt8) -> UInt64 {
        (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }

    /// `h` extended by `scalar`'s UTF-8 bytes, for a word hashed as it is read (equal to
    /// `fnv1a` of the word's bytes).
    @inline(__always) static func appending(_ scalar: Unicode.Scalar, to h: UInt64) -> UInt64 {
        var h = h
        UTF8.encode(scalar) { h = step(h, $0) }
        return h
    }
}
