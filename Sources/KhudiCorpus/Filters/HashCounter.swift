/// Counts of 64-bit keys that are already hashes, in an open-addressing table probed on their
/// low bits: Swift's `Set`/`Dictionary` would hash each key again with seeded SipHash, which
/// made the repetition rules the slowest step of cleaning.
struct HashCounter {
    private var keys: [UInt64]
    private var counts: [Int32]
    private let mask: Int

    /// A table for up to `capacity` distinct keys.
    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = [UInt64](repeating: 0, count: size)
        counts = [Int32](repeating: 0, count: size)
        mask = size - 1
    }

    /// Empties the table for another count of at most `capacity` keys: zeroing the counts is
    /// enough (a zero count marks an empty slot), where a new table per n-gram order allocated
    /// and zeroed both arrays.
    mutating func removeAll() {
        counts.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    /// Adds one to `key`'s count and returns the new count.
    @inline(__always) mutating func increment(_ key: UInt64) -> Int {
        var slot = Int(truncatingIfNeeded: key ^ (key >> 31)) & mask
        while counts[slot] != 0 && keys[slot] != key { slot = (slot + 1) & mask }
        keys[slot] = key
        counts[slot] += 1
        return Int(counts[slot])
    }
}
