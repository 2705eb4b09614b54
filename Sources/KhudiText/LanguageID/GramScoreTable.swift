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
    /// One bit per hash of the key's high bits, set for every key held: most grams of a word
    /// the word cache does not hold are kept by no language, and the 32 KB of bits (which stay
    /// in the fastest caches) turn those away without reading the 4 MB of slots.
    private let presence: [UInt64]
    private static let presenceBits = 1 << 18

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
        var presence = [UInt64](repeating: 0, count: Self.presenceBits / 64)
        for key in index.keys {
            let bit = Self.presenceBit(key)
            presence[bit >> 6] |= 1 << UInt64(bit & 63)
        }
        self.presence = presence
    }

    /// The key's bit in `presence`, from the bits the slot index does not use.
    @inline(__always) private static func presenceBit(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: key >> 46) & (presenceBits - 1)
    }

    @inline(__always) private static func home(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: key ^ (key >> 29))
    }

    /// Runs `body` with the table's slots in place, for `add` (one array access per text
    /// instead of one per gram).
    @inline(__always) func withSlots<R>(
        _ body: (Slots) throws -> R
    ) rethrows -> R {
        try storage.withUnsafeBufferPointer { slots in
            try presence.withUnsafeBufferPointer { presence in
                try body(Slots(slots: slots, presence: presence))
            }
        }
    }

    /// The table's memory in place, for `add`.
    struct Slots {
        let slots: UnsafeBufferPointer<SIMD16<Float>>
        let presence: UnsafeBufferPointer<UInt64>
    }

    /// Adds the scores of `key`'s gram to `total`; false when no language kept the gram.
    ///
    /// `slots` comes from `withSlots`. Lanes past the languages collect junk, which callers
    /// ignore. The key and the mark are read as integers straight from the slot's last 12
    /// bytes, so a probe that misses loads no vector; `total` is a value the caller keeps in
    /// registers (a running total in memory chained every lookup to the one before through a
    /// load and a store: about 8% of language identification).
    @inline(__always) func add(
        _ key: UInt64, to total: inout SIMD16<Float>, slots table: Slots
    ) -> Bool {
        let bit = Self.presenceBit(key)
        guard table.presence[bit >> 6] & (1 << UInt64(bit & 63)) != 0,
            let first = table.slots.baseAddress
        else { return false }
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
