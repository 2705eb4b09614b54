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
        var pairCounts: [Merge: Int64] = [:]
        var pairWords: [Merge: Set<Int>] = [:]
        for (w, word) in words.enumerated() where word.count > 1 {
            for i in 0..<(word.count - 1) {
                let pair = Merge(left: word[i], right: word[i + 1])
                pairCounts[pair, default: 0] += frequencies[w]
                pairWords[pair, default: []].insert(w)
            }
        }
        var heap = PairHeap()
        for (pair, count) in pairCounts { heap.push(count, pair) }
        var merges: [Merge] = []
        var tokenLength = [Int](repeating: 1, count: firstByte + 256)
        let target = vocabularySize - firstByte - 256
        while merges.count < target, let (count, pair) = heap.pop() {
            guard pairCounts[pair] == count else { continue }  // stale entry
            guard count >= minimumFrequency else { break }
            let length = tokenLength[pair.left] + tokenLength[pair.right]
            // Too long: drop this heap entry; the pair comes back only if its count changes.
            if let maximumTokenLength, length > maximumTokenLength { continue }
            tokenLength.append(length)
            let newID = firstByte + 256 + merges.count
            merges.append(pair)
            var changed: [Merge: Int64] = [:]
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
                for k in 0..<(word.count - 1) {
                    let old = Merge(left: word[k], right: word[k + 1])
                    pairCounts[old, default: 0] -= frequency
                    changed[old, default: 0] += 0
                }
                if merged.count > 1 {
                    for k in 0..<(merged.count - 1) {
                        let new = Merge(left: merged[k], right: merged[k + 1])
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
        return BytePairEncoding(specialTokens: specialTokens, merges: merges)
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
