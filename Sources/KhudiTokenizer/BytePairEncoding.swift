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
    /// The id of each single byte (empty in a character BPE, which never encodes bytes).
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
        return merge(bytes.map { byteIDs[Int($0)] })
    }

    /// `symbols` with the lowest-ranked merge applied at its leftmost place, again and again.
    ///
    /// Short pieces (words) scan for the best pair each round; long ones (a whole text, when a
    /// tokenizer has no pre-tokenizer, as Llama 2's) use a heap of candidate pairs, so the cost
    /// grows as n log n rather than n².
    func merge(_ start: [Int]) -> [Int] {
        start.count > 24 ? mergeWithHeap(start) : mergeByScanning(start)
    }

    func mergeByScanning(_ start: [Int]) -> [Int] {
        var symbols = start
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

    /// The same result as `mergeByScanning`: candidates ordered by (rank, position), checked
    /// against the live symbols when popped, symbols linked so a merge is O(1).
    func mergeWithHeap(_ start: [Int]) -> [Int] {
        var symbols = start
        var next = Array(1...start.count)  // start.count marks the end
        var previous = Array(-1..<(start.count - 1))
        var alive = [Bool](repeating: true, count: start.count)
        var heap = BinaryHeap<UInt64>()  // packed (rank, position)
        func push(_ position: Int) {
            let after = next[position]
            guard after < symbols.count,
                let merge = ranks[Merge(left: symbols[position], right: symbols[after])]
            else { return }
            heap.push(UInt64(merge.rank) << 32 | UInt64(position))
        }
        for position in 0..<(symbols.count - 1) { push(position) }
        while let top = heap.pop() {
            let rank = Int(top >> 32)
            let position = Int(top & 0xFFFF_FFFF)
            let after = next[position]
            guard alive[position], after < symbols.count,
                let merge = ranks[Merge(left: symbols[position], right: symbols[after])],
                merge.rank == rank
            else { continue }  // stale: one side changed since this entry was pushed
            symbols[position] = merge.id
            alive[after] = false
            next[position] = next[after]
            if next[after] < symbols.count { previous[next[after]] = position }
            push(position)
            if previous[position] >= 0 { push(previous[position]) }
        }
        return zip(symbols, alive).compactMap { $1 ? $0 : nil }
    }

    /// The bytes of `ids` concatenated (special tokens as their UTF-8 text).
    public func decode(_ ids: [Int]) -> [UInt8] {
        ids.flatMap { tokens[$0] }
    }
}
