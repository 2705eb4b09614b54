/// A byte-level BPE model: a vocabulary of byte strings and the ranked merges that build them.
///
/// Encoding applies, inside each pre-token, the lowest-ranked merge available at the leftmost
/// place, again and again (as Hugging Face's BPE does), so a tokenizer.json written from this
/// model encodes identically in `tokenizers`, and one read from `tokenizers` encodes here as
/// there.
///
/// Ids in a tokenizer Khudi trains: the special tokens first, then the 256 single bytes in byte
/// order, then one token per merge in rank order. A model read from elsewhere keeps its own ids
/// (GPT-2's bytes follow its byte map and its one special token comes last).
public struct BytePairEncoding: Sendable {
    public struct Merge: Hashable, Sendable {
        public var left: Int
        public var right: Int

        public init(left: Int, right: Int) {
            self.left = left
            self.right = right
        }
    }

    /// Special tokens in id order.
    public let specialTokens: [SpecialToken]
    /// Token byte strings by id (specials hold their UTF-8 bytes).
    public let tokens: [[UInt8]]
    /// Merges in rank order.
    public let merges: [Merge]
    /// When set, a pre-token that is itself a token is encoded as that token without merging
    /// (Llama 3's `ignore_merges`).
    public let ignoresMerges: Bool
    /// The id of each single byte.
    private let byteIDs: [Int]
    /// Each merge's rank and the id of the token it makes.
    private let ranks: [Merge: (rank: Int, id: Int)]
    /// Ids of the model's own tokens by bytes, for `ignoresMerges`.
    private let idOfBytes: [[UInt8]: Int]

    public var vocabularySize: Int { tokens.count }

    /// Khudi's layout: `specialTokens` at ids 0…, the bytes, then one token per merge.
    public init(specialTokens: [String], merges: [Merge]) {
        var tokens = specialTokens.map { Array($0.utf8) }
        tokens += (0..<256).map { [UInt8($0)] }
        for merge in merges { tokens.append(tokens[merge.left] + tokens[merge.right]) }
        let firstMerge = specialTokens.count + 256
        self.init(
            tokens: tokens,
            specialTokens: specialTokens.enumerated().map { SpecialToken(id: $0, content: $1) },
            byteIDs: (0..<256).map { specialTokens.count + $0 }, merges: merges,
            mergeIDs: merges.indices.map { firstMerge + $0 }, ignoresMerges: false)
    }

    /// Any layout, as a tokenizer.json read from elsewhere has.
    ///
    /// `mergeIDs[r]` is the id of the token merge `r` makes; the caller checks that every id is in
    /// range (the tokenizer.json reader does).
    init(
        tokens: [[UInt8]], specialTokens: [SpecialToken], byteIDs: [Int], merges: [Merge],
        mergeIDs: [Int], ignoresMerges: Bool
    ) {
        self.tokens = tokens
        self.specialTokens = specialTokens.sorted { $0.id < $1.id }
        self.byteIDs = byteIDs
        self.merges = merges
        self.ignoresMerges = ignoresMerges
        var ranks: [Merge: (rank: Int, id: Int)] = [:]
        for (rank, merge) in merges.enumerated() where ranks[merge] == nil {
            ranks[merge] = (rank, mergeIDs[rank])
        }
        self.ranks = ranks
        var idOfBytes: [[UInt8]: Int] = [:]
        if ignoresMerges {
            let special = Set(specialTokens.map(\.id))
            for (id, bytes) in tokens.enumerated() where !special.contains(id) {
                idOfBytes[bytes] = idOfBytes[bytes] ?? id
            }
        }
        self.idOfBytes = idOfBytes
    }

    /// The ids of one pre-token's bytes.
    public func encode(piece bytes: [UInt8]) -> [Int] {
        if ignoresMerges, let whole = idOfBytes[bytes] { return [whole] }
        var symbols = bytes.map { byteIDs[Int($0)] }
        while symbols.count > 1 {
            var best = (rank: Int.max, id: -1)
            var at = -1
            for i in 0..<(symbols.count - 1) {
                if let merge = ranks[Merge(left: symbols[i], right: symbols[i + 1])],
                    merge.rank < best.rank
                {
                    best = merge
                    at = i
                }
            }
            guard at >= 0 else { break }
            symbols[at] = best.id
            symbols.remove(at: at + 1)
        }
        return symbols
    }

    /// The bytes of `ids` concatenated (special tokens as their UTF-8 text).
    public func decode(_ ids: [Int]) -> [UInt8] {
        ids.flatMap { tokens[$0] }
    }
}
