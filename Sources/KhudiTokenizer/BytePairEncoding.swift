/// A byte-level BPE model: a vocabulary of byte strings and the ranked merges that build them.
///
/// Ids: the special tokens first, then the 256 single bytes in byte order, then one token per
/// merge in rank order. Encoding applies, inside each pre-token, the lowest-ranked merge
/// available at the leftmost place, again and again (as Hugging Face's BPE does), so a
/// tokenizer.json written from this model encodes identically in `tokenizers`.
public struct BytePairEncoding: Sendable {
    public struct Merge: Hashable, Sendable {
        public var left: Int
        public var right: Int
    }

    public let specialTokens: [String]
    /// Token byte strings by id (specials hold their UTF-8 bytes).
    public let tokens: [[UInt8]]
    /// Merges in rank order; merge r produces token `firstMergeID + r`.
    public let merges: [Merge]
    private let ranks: [Merge: Int]

    public var firstByteID: Int { specialTokens.count }
    public var firstMergeID: Int { specialTokens.count + 256 }
    public var vocabularySize: Int { tokens.count }

    public init(specialTokens: [String], merges: [Merge]) {
        self.specialTokens = specialTokens
        var tokens = specialTokens.map { Array($0.utf8) }
        tokens += (0..<256).map { [UInt8($0)] }
        for merge in merges { tokens.append(tokens[merge.left] + tokens[merge.right]) }
        self.tokens = tokens
        self.merges = merges
        var ranks: [Merge: Int] = [:]
        for (rank, merge) in merges.enumerated() { ranks[merge] = rank }
        self.ranks = ranks
    }

    /// The ids of one pre-token's bytes.
    public func encode(piece bytes: [UInt8]) -> [Int] {
        var symbols = bytes.map { firstByteID + Int($0) }
        while symbols.count > 1 {
            var best = Int.max
            var at = -1
            for i in 0..<(symbols.count - 1) {
                if let rank = ranks[Merge(left: symbols[i], right: symbols[i + 1])], rank < best {
                    best = rank
                    at = i
                }
            }
            guard at >= 0 else { break }
            symbols[at] = firstMergeID + best
            symbols.remove(at: at + 1)
        }
        return symbols
    }

    /// The bytes of `ids` concatenated (special tokens as their UTF-8 text).
    public func decode(_ ids: [Int]) -> [UInt8] {
        ids.flatMap { tokens[$0] }
    }
}
