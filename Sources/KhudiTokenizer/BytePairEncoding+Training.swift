/// Training a byte-level BPE model from pre-token counts: the classic algorithm with incremental
/// pair counts (only the words containing the merged pair are revisited) and a heap of candidate
/// pairs with lazy invalidation.
///
/// Counts are 64-bit. Ties between equally frequent pairs go to the smaller (left, right) id pair,
/// so training is deterministic.
extension BytePairEncoding {
    /// Learns merges until the vocabulary holds `vocabularySize` tokens (specials and the 256
    /// bytes included) or no pair occurs at least `minimumFrequency` times.
    ///
    /// Pairs whose merged token would exceed `maximumTokenLength` bytes are never merged.
    public static func train(
        counts: [[UInt8]: Int64], vocabularySize: Int, specialTokens: [String],
        minimumFrequency: Int64 = 2, maximumTokenLength: Int? = nil
    ) -> BytePairEncoding {
        let firstByte = specialTokens.count
        var words: [[Int]] = []
        var frequencies: [Int64] = []
        for (bytes, count) in counts.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            words.append(bytes.map { firstByte + Int($0) })
            frequencies.append(count)
        }
        var learner = MergeLearner(
            symbols: specialTokens.map { Array($0.unicodeScalars.map(\.value)) }
                + (0..<256).map { [UInt32($0)] },
            specials: specialTokens.count)
        learner.learn(
            words: &words, frequencies: frequencies, vocabularySize: vocabularySize,
            minimumFrequency: minimumFrequency, maximumTokenLength: maximumTokenLength)
        var tokens = specialTokens.map { Array($0.utf8) }
        tokens += learner.tokens.dropFirst(firstByte).map { $0.map { UInt8($0) } }
        return BytePairEncoding(
            tokens: tokens,
            specialTokens: specialTokens.enumerated().map { SpecialToken(id: $0, content: $1) },
            byteIDs: (0..<256).map { firstByte + $0 }, merges: learner.merges,
            mergeIDs: learner.mergeIDs, ignoresMerges: false)
    }
}

/// The merge loop shared by byte-level and character BPE: words are lists of symbol ids, each
/// symbol a string of units (bytes, or Unicode scalars).
///
/// A merge whose joined units already name a token reuses that token's id, as Hugging Face's
/// trainer does, so no two ids ever spell the same string. Symbols below `specials` are special
/// tokens: never in words, never reused.
struct MergeLearner {
    /// Each token's units, by id.
    private(set) var tokens: [[UInt32]]
    private(set) var merges: [BytePairEncoding.Merge] = []
    /// The id each merge makes.
    private(set) var mergeIDs: [Int] = []
    private var idOf: [[UInt32]: Int] = [:]

    init(symbols: [[UInt32]], specials: Int) {
        tokens = symbols
        for (id, units) in symbols.enumerated() where id >= specials { idOf[units] = id }
    }

    /// Merges pairs in `words` (a symbol of -1 never pairs) until `vocabularySize` tokens exist
    /// or no pair occurs `minimumFrequency` times; `maximumTokenLength` is in units.
    ///
    /// Pairs live in flat arrays indexed by a slot that `PairSlots` finds for each (left, right);
    /// each slot lists the words that held the pair (duplicates allowed, skipped by a stamp), so
    /// a merge visits only those words.
    mutating func learn(
        words: inout [[Int]], frequencies: [Int64], vocabularySize: Int,
        minimumFrequency: Int64, maximumTokenLength: Int?
    ) {
        var slots = PairSlots()
        var pairCount: [Int64] = []
        var pairWords: [[Int32]] = []
        var lastWord: [Int32] = []
        func slot(_ left: Int, _ right: Int) -> Int {
            let index = slots.slot(for: PairSlots.key(left, right))
            if index == pairCount.count {
                pairCount.append(0)
                pairWords.append([])
                lastWord.append(-1)
            }
            return index
        }
        func note(_ slot: Int, in word: Int) {
            if lastWord[slot] != Int32(word) {
                pairWords[slot].append(Int32(word))
                lastWord[slot] = Int32(word)
            }
        }
        for (w, word) in words.enumerated() where word.count > 1 {
            for i in 0..<(word.count - 1) where word[i] >= 0 && word[i + 1] >= 0 {
                let s = slot(word[i], word[i + 1])
                pairCount[s] += frequencies[w]
                note(s, in: w)
            }
        }
        var heap = BinaryHeap<PairCandidate>()
        for s in pairCount.indices {
            heap.push(PairCandidate(count: pairCount[s], key: slots.keys[s], slot: Int32(s)))
        }
        var visited = [Int](repeating: -1, count: words.count)
        var changedStamp = [Int](repeating: -1, count: pairCount.count)
        var changed: [Int] = []
        while tokens.count < vocabularySize, let candidate = heap.pop() {
            let s = Int(candidate.slot)
            guard pairCount[s] == candidate.count else { continue }  // stale entry
            guard candidate.count >= minimumFrequency else { break }
            let pair = BytePairEncoding.Merge(
                left: Int(candidate.key >> 32), right: Int(candidate.key & 0xFFFF_FFFF))
            let joined = tokens[pair.left] + tokens[pair.right]
            // Too long: drop this heap entry; the pair comes back only if its count changes.
            if let maximumTokenLength, joined.count > maximumTokenLength { continue }
            let newID: Int
            if let existing = idOf[joined] {
                newID = existing
            } else {
                newID = tokens.count
                tokens.append(joined)
                idOf[joined] = newID
            }
            let stamp = merges.count
            merges.append(pair)
            mergeIDs.append(newID)
            changed.removeAll(keepingCapacity: true)
            func touch(_ slot: Int) {
                if slot >= changedStamp.count {
                    changedStamp += [Int](repeating: -1, count: slot + 1 - changedStamp.count)
                }
                if changedStamp[slot] != stamp {
                    changedStamp[slot] = stamp
                    changed.append(slot)
                }
            }
            // Only the pairs next to each occurrence change: (prev, left) becomes (prev, new)
            // and (right, next) becomes (new, next). The merged pair's own count is zeroed
            // below. Occurrences are taken left to right without overlap, and `prev` is read
            // from the output, so consecutive occurrences chain correctly ("a b a b" gives
            // (new, new)).
            func adjust(_ left: Int, _ right: Int, by delta: Int64, word w: Int) {
                let pairSlot = slot(left, right)
                pairCount[pairSlot] += delta
                if delta > 0 { note(pairSlot, in: w) }
                touch(pairSlot)
            }
            var word: [Int] = []
            for w32 in pairWords[s] {
                let w = Int(w32)
                guard visited[w] != stamp else { continue }
                visited[w] = stamp
                let frequency = frequencies[w]
                swap(&word, &words[w])  // owned here, so it is edited in place
                let n = word.count
                var read = 0
                var write = 0
                while read < n {
                    if read + 1 < n && word[read] == pair.left && word[read + 1] == pair.right {
                        if write > 0 && word[write - 1] >= 0 {
                            adjust(word[write - 1], pair.left, by: -frequency, word: w)
                            adjust(word[write - 1], newID, by: frequency, word: w)
                        }
                        if read + 2 < n && word[read + 2] >= 0 {
                            adjust(pair.right, word[read + 2], by: -frequency, word: w)
                            adjust(newID, word[read + 2], by: frequency, word: w)
                        }
                        word[write] = newID
                        read += 2
                    } else {
                        word[write] = word[read]
                        read += 1
                    }
                    write += 1
                }
                word.removeLast(n - write)
                swap(&word, &words[w])
            }
            pairCount[s] = 0
            pairWords[s] = []
            for c in changed where pairCount[c] > 0 && c != s {
                heap.push(PairCandidate(count: pairCount[c], key: slots.keys[c], slot: Int32(c)))
            }
        }
    }
}

/// Slots for (left, right) pairs: an open-addressing table from the packed pair to a dense
/// index, with a multiplicative hash (Swift's seeded SipHash dominated the merge loop).
struct PairSlots {
    /// The packed pair of each slot, in slot order.
    private(set) var keys: [UInt64] = []
    /// Slot + 1 for each table entry (0 is empty).
    private var table = [Int32](repeating: 0, count: 1 << 16)

    static func key(_ left: Int, _ right: Int) -> UInt64 {
        UInt64(UInt32(truncatingIfNeeded: left)) << 32 | UInt64(UInt32(truncatingIfNeeded: right))
    }

    private func position(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 20) & (table.count - 1)
    }

    /// The slot of `key`, made (as the next slot) when absent.
    mutating func slot(for key: UInt64) -> Int {
        var at = position(key)
        while table[at] != 0 {
            let slot = Int(table[at]) - 1
            if keys[slot] == key { return slot }
            at = (at + 1) & (table.count - 1)
        }
        keys.append(key)
        table[at] = Int32(keys.count)
        if keys.count * 2 > table.count { grow() }
        return keys.count - 1
    }

    private mutating func grow() {
        table = [Int32](repeating: 0, count: table.count * 2)
        for (slot, key) in keys.enumerated() {
            var at = position(key)
            while table[at] != 0 { at = (at + 1) & (table.count - 1) }
            table[at] = Int32(slot + 1)
        }
    }
}

/// A pair waiting in the merge heap: the more frequent first, ties going to the smaller
/// (left, right) pair, which makes training deterministic.
struct PairCandidate: Comparable {
    var count: Int64
    var key: UInt64
    var slot: Int32

    static func < (a: PairCandidate, b: PairCandidate) -> Bool {
        a.count != b.count ? a.count > b.count : a.key < b.key
    }

    static func == (a: PairCandidate, b: PairCandidate) -> Bool {
        a.count == b.count && a.key == b.key
    }
}
