/// An open-addressing hash table from gram hashes to every language's log-probability, one
/// 64-byte line per slot for up to 13 languages.
///
/// A slot is `chunks` vectors of sixteen floats: lanes 0..<width hold the scores, and the last
/// three lanes of the last vector hold the key's two 32-bit halves and an occupancy mark. A gram
/// that is present thus costs one cache line, where a table of keys pointing into a separate
/// score array cost two (the two loads took 71% of language identification, most of it
/// waiting on memory), and its scores are added sixteen lanes at a time.
///
/// The keys are already well-mixed 64-bit hashes, so probing on their low bits avoids the cost
/// of Swift's seeded SipHash per lookup.
struct GramScoreTable: Sendable {
    /// Vectors per slot.
    let chunks: Int
    private let storage: [SIMD16<Float>]
    private let mask: Int

    /// Builds the table from `index` (key → row) and `values` (rows of `width` scores).
    init(index: [UInt64: Int], values: [Float], width: Int) {
        chunks = (width + 3 + 15) / 16
        var capacity = 16
        while capacity < index.count * 2 { capacity <<= 1 }
        mask = capacity - 1
        var storage = [SIMD16<Float>](repeating: .zero, count: capacity * chunks)
        for (key, row) in index {
            var slot = Self.home(key) & mask
            while storage[slot * chunks + chunks - 1][15] != 0 { slot = (slot + 1) & mask }
            for j in 0..<width {
                storage[slot * chunks + j / 16][j % 16] = values[row * width + j]
            }
            var last = storage[slot * chunks + chunks - 1]
            last[13] = Float(bitPattern: UInt32(truncatingIfNeeded: key))
            last[14] = Float(bitPattern: UInt32(truncatingIfNeeded: key >> 32))
            last[15] = 1
            storage[slot * chunks + chunks - 1] = last
        }
        self.storage = storage
    }

    @inline(__always) private static func home(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: key ^ (key >> 29))
    }

    /// Runs `body` with the table's slots in place, for `add` (one array access per text
    /// instead of one per gram).
    @inline(__always) func withSlots<R>(
        _ body: (UnsafeBufferPointer<SIMD16<Float>>) throws -> R
    ) rethrows -> R {
        try storage.withUnsafeBufferPointer(body)
    }

    /// Adds the scores of `key`'s gram to `totals` (`chunks` vectors); false when no language
    /// kept the gram.
    ///
    /// `slots` comes from `withSlots`.
    /// Lanes past the languages collect junk, which callers ignore. The key and the mark are
    /// read as integers straight from the slot's last 12 bytes, so a probe that misses loads
    /// no vector.
    @inline(__always) func add(
        _ key: UInt64, to totals: UnsafeMutablePointer<SIMD16<Float>>,
        slots: UnsafeBufferPointer<SIMD16<Float>>
    ) -> Bool {
        guard let first = slots.baseAddress else { return false }
        var slot = Self.home(key) & mask
        while true {
            let base = first + slot * chunks
            let tail = UnsafeRawPointer(base + chunks - 1)
            if tail.loadUnaligned(fromByteOffset: 60, as: UInt32.self) == 0 { return false }
            if tail.loadUnaligned(fromByteOffset: 52, as: UInt64.self) == key {
                for c in 0..<chunks { totals[c] += base[c] }
                return true
            }
            slot = (slot + 1) & mask
        }
    }
}
