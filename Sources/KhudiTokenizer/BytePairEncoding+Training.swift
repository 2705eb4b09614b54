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
    mutating func learn(
        words: inout [[Int]], frequencies: [Int64], vocabularySize: Int,
        minimumFrequency: Int64, maximumTokenLength: Int?
    ) {
        var pairCounts: [BytePairEncoding.Merge: Int64] = [:]
        var pairWords: [BytePairEncoding.Merge: Set<Int>] = [:]
        for (w, word) in words.enumerated() where word.count > 1 {
            for i in 0..<(word.count - 1) where word[i] >= 0 && word[i + 1] >= 0 {
                let pair = BytePairEncoding.Merge(left: word[i], right: word[i + 1])
                pairCounts[pair, default: 0] += frequencies[w]
                pairWords[pair, default: []].insert(w)
            }
        }
        var heap = PairHeap()
        for (pair, count) in pairCounts { heap.push(count, pair) }
        while tokens.count < vocabularySize, let (count, pair) = heap.pop() {
            guard pairCounts[pair] == count else { continue }  // stale entry
            guard count >= minimumFrequency else { break }
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
            merges.append(pair)
            mergeIDs.append(newID)
            var changed: [BytePairEncoding.Merge: Int64] = [:]
            for w in pairWords[pair] ?? [] {
                let word = words[w]
                let frequency = frequencies[w]
                var merged: [Int] = []
                merged.reserveCapacity(word.count)
                var i = 0
                while i < word.count {
                    if i + 1 < word.count && word[i] == pair.left && word[i + 1] == pair.right {
                        merged.append(newID)
                        i += 2
                    } else {
                        merged.append(word[i])
                        i += 1
                    }
                }
                // Remove the old word's pairs and add the new word's.
                for k in 0..<(word.count - 1) where word[k] >= 0 && word[k + 1] >= 0 {
                    let old = BytePairEncoding.Merge(left: word[k], right: word[k + 1])
                    pairCounts[old, default: 0] -= frequency
                    changed[old, default: 0] += 0
                }
                if merged.count > 1 {
                    for k in 0..<(merged.count - 1) where merged[k] >= 0 && merged[k + 1] >= 0 {
                        let new = BytePairEncoding.Merge(left: merged[k], right: merged[k + 1])
                        pairCounts[new, default: 0] += frequency
                        pairWords[new, default: []].insert(w)
                        changed[new, default: 0] += 0
                    }
                }
                words[w] = merged
            }
            pairCounts[pair] = nil
            pairWords[pair] = nil
            for changedPair in changed.keys {
                if let current = pairCounts[changedPair], current > 0 {
                    heap.push(current, changedPair)
                } else {
                    pairCounts[changedPair] = nil
                }
            }
        }
    }
}

/// A max-heap of (count, pair) with ties broken towards the smaller pair.
struct PairHeap {
    private var items: [(Int64, BytePairEncoding.Merge)] = []

    private static func above(
        _ a: (Int64, BytePairEncoding.Merge), _ b: (Int64, BytePairEncoding.Merge)
    ) -> Bool {
        if a.0 != b.0 { return a.0 > b.0 }
        return (a.1.left, a.1.right) < (b.1.left, b.1.right)
    }

    mutating func push(_ count: Int64, _ pair: BytePairEncoding.Merge) {
        items.append((count, pair))
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard Self.above(items[i], items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> (Int64, BytePairEncoding.Merge)? {
        guard !items.isEmpty else { return nil }
        let top = items[0]
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let (l, r) = (2 * i + 1, 2 * i + 2)
                var best = i
                if l < items.count && Self.above(items[l], items[best]) { best = l }
                if r < items.count && Self.above(items[r], items[best]) { best = r }
                guard best != i else { break }
                items.swapAt(i, best)
                i = best
            }
        }
        return top
    }
}
