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
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return h
    }
}
