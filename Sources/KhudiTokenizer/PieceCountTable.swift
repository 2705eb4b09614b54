import Foundation

/// Counts of byte strings, for counting a corpus's pre-tokens without allocating per token.
///
/// `[[UInt8]: Int64]` costs an array allocation per lookup and SipHash over every byte; counting
/// spent most of its time there. Here keys live back to back in one arena, a lookup hashes the
/// bytes eight at a time with a multiplicative mix and probes an open-addressing table, and
/// only a new key is copied. Counts are 64-bit; the order of entries is insertion order, so
/// nothing here depends on hashing for results.
struct PieceCountTable: Sendable {
    /// All keys' bytes, back to back.
    private var arena: [UInt8] = []
    /// Per entry: where its key starts in `arena`, its length, its hash and its count.
    private var starts: [Int] = []
    private var lengths: [Int32] = []
    private var hashes: [UInt64] = []
    private var counts: [Int64] = []
    /// Entry index + 1 per slot, 0 for empty; its size is a power of two.
    private var slots = [Int32](repeating: 0, count: 1024)

    /// The number of distinct keys.
    var count: Int { counts.count }
    var isEmpty: Bool { counts.isEmpty }

    /// Adds `amount` to the count of `key`.
    mutating func add(_ key: UnsafeBufferPointer<UInt8>, _ amount: Int64 = 1) {
        let hash = Self.hash(key)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash >> 32) & mask
        while true {
            let entry = Int(slots[slot]) - 1
            if entry < 0 { break }
            if hashes[entry] == hash && keyEquals(entry, key) {
                counts[entry] += amount
                return
            }
            slot = (slot + 1) & mask
        }
        slots[slot] = Int32(counts.count + 1)
        starts.append(arena.count)
        lengths.append(Int32(key.count))
        hashes.append(hash)
        counts.append(amount)
        arena.append(contentsOf: key)
        if counts.count * 2 > slots.count { grow() }
    }

    /// Adds the counts of `bytes` (a helper for keys held in arrays).
    mutating func add(_ bytes: [UInt8], _ amount: Int64 = 1) {
        bytes.withUnsafeBufferPointer { add($0, amount) }
    }

    /// Calls `body` with each key and its count, in insertion order.
    func forEach(_ body: (UnsafeBufferPointer<UInt8>, Int64) throws -> Void) rethrows {
        try arena.withUnsafeBufferPointer { arena in
            for entry in counts.indices {
                let key = UnsafeBufferPointer(
                    rebasing: arena[starts[entry]..<(starts[entry] + Int(lengths[entry]))])
                try body(key, counts[entry])
            }
        }
    }

    /// The counts as a dictionary keyed by the bytes.
    var dictionary: [[UInt8]: Int64] {
        var result = [[UInt8]: Int64](minimumCapacity: count)
        forEach { key, count in result[Array(key)] = count }
        return result
    }

    private func keyEquals(_ entry: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        guard Int(lengths[entry]) == key.count else { return false }
        guard let base = key.baseAddress, !key.isEmpty else { return true }
        return arena.withUnsafeBufferPointer { arena in
            guard let stored = arena.baseAddress else { return false }
            return memcmp(stored + starts[entry], base, key.count) == 0
        }
    }

    private mutating func grow() {
        slots = [Int32](repeating: 0, count: slots.count * 2)
        let mask = slots.count - 1
        for entry in counts.indices {
            var slot = Int(truncatingIfNeeded: hashes[entry] >> 32) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(entry + 1)
        }
    }

    /// A 64-bit hash of `bytes`: eight bytes at a time, each word mixed in by a multiply and a
    /// shift (in the manner of FxHash with a final avalanche), the length folded in.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
        var hash = UInt64(bytes.count) &* multiplier
        guard let base = bytes.baseAddress else { return hash }
        let raw = UnsafeRawPointer(base)
        var offset = 0
        while offset + 8 <= bytes.count {
            let word = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            hash = (hash ^ word) &* multiplier
            hash ^= hash >> 29
            offset += 8
        }
        if offset < bytes.count {
            var tail: UInt64 = 0
            for index in offset..<bytes.count {
                tail |= UInt64(base[index]) << (8 * UInt64(index - offset))
            }
            hash = (hash ^ tail) &* multiplier
            hash ^= hash >> 29
        }
        hash = (hash ^ (hash >> 32)) &* multiplier
        return hash ^ (hash >> 29)
    }
}
