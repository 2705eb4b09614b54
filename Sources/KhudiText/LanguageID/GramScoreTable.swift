/// An open-addressing hash table from gram hashes to every language's log-probability, one
/// 64-byte line per slot for up to 13 languages (`Language` has 11).
///
/// A slot is one vector of sixteen floats: lanes 0..<width hold the scores, and the last three
/// lanes hold the key's two 32-bit halves and an occupancy mark. A gram that is present thus
/// costs one cache line, where a table of keys pointing into a separate score array cost two
/// (the two loads took 71% of language identification, most of it waiting on memory), and its
/// scores are added sixteen lanes at a time into a total the caller keeps in registers.
///
/// The keys are already well-mixed 64-bit hashes, so probing on their low bits avoids the cost
/// of Swift's seeded SipHash per lookup.
struct GramScoreTable: Sendable {
    private let storage: [SIMD16<Float>]
    private let mask: Int

    /// Builds the table from `index` (key → row) and `values` (rows of `width` scores).
    init(index: [UInt64: Int], values: [Float], width: Int) {
        precondition(width <= 13, "a slot holds the scores of at most 13 languages, not \(width)")
        var capacity = 16
        while capacity < index.count * 2 { capacity <<= 1 }
        mask = capacity - 1
        var storage = [SIMD16<Float>](repeating: .zero, count: capacity)
        for (key, row) in index {
            var slot = Self.home(key) & mask
            while storage[slot][15] != 0 { slot = (slot + 1) & mask }
            for j in 0..<width { storage[slot][j] = values[row * width + j] }
            storage[slot][13] = Float(bitPattern: UInt32(truncatingIfNeeded: key))
            storage[slot][14] = Float(bitPattern: UInt32(truncatingIfNeeded: key >> 32))
            storage[slot][15] = 1
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

    /// Adds the scores of `key`'s gram to `total`; false when no language kept the gram.
    ///
    /// `slots` comes from `withSlots`. Lanes past the languages collect junk, which callers
    /// ignore. The key and the mark are read as integers straight from the slot's last 12
    /// bytes, so a probe that misses loads no vector; `total` is a value the caller keeps in
    /// registers (a running total in memory chained every lookup to the one before through a
    /// load and a store: about 8% of language identification).
    @inline(__always) func add(
        _ key: UInt64, to total: inout SIMD16<Float>, slots: UnsafeBufferPointer<SIMD16<Float>>
    ) -> Bool {
        guard let first = slots.baseAddress else { return false }
        var slot = Self.home(key) & mask
        while true {
            let tail = UnsafeRawPointer(first + slot)
            if tail.loadUnaligned(fromByteOffset: 60, as: UInt32.self) == 0 { return false }
            if tail.loadUnaligned(fromByteOffset: 52, as: UInt64.self) == key {
                total += first[slot]
                return true
            }
            slot = (slot + 1) & mask
        }
    }
}
