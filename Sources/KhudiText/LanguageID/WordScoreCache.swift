/// Remembers, per word, the summed scores of the grams that lie within the word and its two
/// padding spaces, so that a frequent word costs one lookup instead of one per gram.
///
/// A word of L letters has about 4·(L + 2) grams of orders 1…4 inside its window " word ",
/// all the model reads of it. Text repeats its words (Zipf): on Urdu news most words are
/// among the few thousand most frequent, so most windows are found here and the model's table
/// is read only for words not held.
///
/// Two-way set-associative: a word may sit in either slot of its set, the one used last
/// first; a new word takes the first slot and moves the word there to the second, evicting the
/// one used least recently. On 10 MB of Maḵẖzan that left 75,700 of a million lookups to the
/// model's table where a direct-mapped cache of the same 1 MB left 103,500 (a quarter less
/// time scoring missed words, about 4% of a cleaning run). The stored sum is computed the same
/// way whether it is then kept or not, so results never depend on what the cache held (a
/// cache of capacity 0 gives the same bits as any other).
///
/// A slot is one 64-byte vector: lanes 0..<13 the window's summed scores, lanes 13–14 the
/// word's 64-bit hash, lane 15 the number of grams no language kept plus one (0: empty).
public struct WordScoreCache: Sendable {
    private var storage: [SIMD16<Float>]
    private let mask: Int

    /// Words of more letters than this are scored without the cache (few repeat, and the
    /// unseen count stays exact in a Float lane).
    static let longestWord = 24

    /// A cache of `capacity` words, rounded down to a power of two, at least two (0: no
    /// caching).
    ///
    /// The default, 16,384 words (1 MB), holds 92% of the words language identification looks
    /// up in 10 MB of Urdu news (direct-mapped it held 90%; 8,192 words: 86%, 65,536: 94%,
    /// measured no faster then).
    public init(capacity: Int = 16_384) {
        var slots = 2
        while slots * 2 <= capacity { slots *= 2 }
        storage = capacity > 0 ? [SIMD16<Float>](repeating: .zero, count: slots) : []
        mask = slots / 2 - 1
    }

    /// The window sum and unseen count of the word with hash `key`, computing and keeping
    /// them with `compute` when the word is not held.
    @inline(__always) mutating func window(
        _ key: UInt64, letters: Int, compute: () -> (SIMD16<Float>, Int)
    ) -> (SIMD16<Float>, Int) {
        guard !storage.isEmpty, letters <= Self.longestWord else { return compute() }
        let first = 2 * (Int(truncatingIfNeeded: key ^ (key >> 31)) & mask)
        let low = UInt32(truncatingIfNeeded: key)
        let high = UInt32(truncatingIfNeeded: key >> 32)
        @inline(__always) func holds(_ slot: SIMD16<Float>) -> Bool {
            slot[15] != 0 && slot[13].bitPattern == low && slot[14].bitPattern == high
        }
        return storage.withUnsafeMutableBufferPointer { slots in
            let recent = slots[first]
            if holds(recent) { return (recent, Int(recent[15]) - 1) }
            let older = slots[first + 1]
            if holds(older) {
                slots[first] = older
                slots[first + 1] = recent
                return (older, Int(older[15]) - 1)
            }
            var (sum, unseen) = compute()
            sum[13] = Float(bitPattern: low)
            sum[14] = Float(bitPattern: high)
            sum[15] = Float(unseen + 1)
            slots[first + 1] = recent
            slots[first] = sum
            return (sum, unseen)
        }
    }
}
