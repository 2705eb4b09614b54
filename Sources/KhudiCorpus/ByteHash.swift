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

    /// FNV-1a over `text`'s Unicode scalar values, one step per scalar.
    ///
    /// The key the quality filters and near-duplicate detection compare words by
    /// (`appendingValue` as the words are read): half the steps of hashing the UTF-8 of
    /// Arabic-script words, whose letters take two bytes each.
    static func scalars<S: StringProtocol>(_ text: S) -> UInt64 {
        text.unicodeScalars.reduce(offset) { appendingValue($1, to: $0) }
    }

    /// `h` extended by one scalar, for `scalars`.
    @inline(__always) static func appendingValue(_ scalar: Unicode.Scalar, to h: UInt64) -> UInt64 {
        appendingValue(scalar.value, to: h)
    }

    /// `h` extended by one scalar value.
    @inline(__always) static func appendingValue(_ v: UInt32, to h: UInt64) -> UInt64 {
        (h ^ UInt64(v)) &* 0x0000_0100_0000_01B3
    }

    /// Two independent 64-bit hashes of `bytes`, fed eight bytes at a time: the exact-dedup
    /// key, and (its first half) the key lines are compared by.
    ///
    /// Each lane multiplies in a word and folds its high half back down (a multiplication
    /// carries only upward), and ends with MurmurHash3's finalizer over the lane and the
    /// length. FNV-1a, one multiplication per byte, took 1.5% of a cleaning run as the
    /// exact-dedup key and 1.3% hashing the lines for the duplicate-line rules.
    static func pair(_ bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64) {
        var a: UInt64 = 0x243F_6A88_85A3_08D3
        var b: UInt64 = 0x1319_8A2E_0370_7344
        @inline(__always) func mix(_ word: UInt64) {
            a = (a ^ word) &* 0x9E37_79B9_7F4A_7C15
            a ^= a >> 32
            b = (b &+ word) &* 0xC2B2_AE3D_27D4_EB4F
            b ^= b >> 29
        }
        let n = bytes.count
        var i = 0
        if let base = bytes.baseAddress {
            while i + 8 <= n {
                mix(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self).littleEndian)
                i += 8
            }
            var tail: UInt64 = 0
            for (shift, byte) in bytes[i...].enumerated() { tail |= UInt64(byte) << (8 * shift) }
            mix(tail)
        }
        return (
            finalized(a ^ UInt64(n)), finalized(b ^ UInt64(n) &* 0xFF51_AFD7_ED55_8CCD)
        )
    }

    /// `pair(bytes).0` for the UTF-8 of a string or substring.
    static func pairFirst<S: StringProtocol>(_ text: S) -> UInt64 {
        text.utf8.withContiguousStorageIfAvailable { pair($0).0 }
            ?? Array(text.utf8).withUnsafeBufferPointer { pair($0).0 }
    }

    /// MurmurHash3's 64-bit finalizer: every input bit reaches every output bit.
    private static func finalized(_ value: UInt64) -> UInt64 {
        var h = value
        h ^= h >> 33
        h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        h = h &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return h
    }
}
