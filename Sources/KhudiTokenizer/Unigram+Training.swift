import Foundation
import KhudiText

/// Training a Unigram model from pre-token counts, as SentencePiece does: seed pieces from
/// frequent substrings, then EM (forward–backward expected counts, a digamma M-step that drops
/// pieces expected less than half a time) alternating with pruning (each piece's loss is how
/// much the corpus likelihood falls if its second-best segmentation replaces it; the worst 25%
/// go) until 1.1× the target size, and a final cut by score.
///
/// Deterministic: words are processed in byte order, in a fixed number of chunks whose sums are
/// added in order, so the result is the same for every thread count.
extension UnigramModel {
    public struct TrainingOptions: Sendable {
        public var vocabularySize: Int
        public var specialTokens: [String]
        /// The id of `<unk>` among `specialTokens`.
        public var unknownToken = "<unk>"
        /// The longest piece, in characters.
        public var maximumPieceLength = 16
        /// The share of character occurrences the kept characters cover; rarer characters are
        /// left to the byte pieces.
        public var characterCoverage = 0.9995
        /// At most this many characters are kept (the most frequent); nil: no limit.
        public var alphabetLimit: Int?
        public var seedSize = 1_000_000
        public var shrinkingFactor = 0.75
        public var subIterations = 2

        public init(vocabularySize: Int, specialTokens: [String]) {
            self.vocabularySize = vocabularySize
            self.specialTokens = specialTokens
        }
    }

    /// Learns pieces from `counts` (pre-tokens' UTF-8 and how often each occurs).
    ///
    /// The vocabulary: the special tokens, the 256 `<0xHH>` byte pieces, then the learned pieces
    /// by descending score.
    public static func train(
        counts: [[UInt8]: Int64], options: TrainingOptions, threads: Int
    ) -> UnigramModel {
        var trainer = UnigramTrainer(counts: counts, options: options, threads: threads)
        let learned = trainer.run()
        let fixedScore = (learned.map(\.score).min() ?? 0) - 20
        var pieces = options.specialTokens
        pieces += (0..<256).map { bytePiece(UInt8($0)) }
        var scores = [Double](repeating: fixedScore, count: pieces.count)
        var seen = Set(pieces)
        for (piece, score) in learned where seen.insert(piece).inserted {
            pieces.append(piece)
            scores.append(score)
        }
        return UnigramModel(
            pieces: pieces, scores: scores,
            unknownID: options.specialTokens.firstIndex(of: options.unknownToken) ?? 0,
            byteFallback: true)
    }
}

/// The state of one Unigram training run: words as scalar arrays, the current pieces and their
/// scores, and the lattice machinery over them.
struct UnigramTrainer {
    let words: [[UInt32]]
    let frequencies: [Double]
    let options: UnigramModel.TrainingOptions
    let threads: Int
    /// Characters always kept as pieces (they cover `characterCoverage`).
    let required: Set<UInt32>
    var pieces: [[UInt32]] = []
    var scores: [Double] = []
    /// How many pieces to learn: the vocabulary less specials and bytes.
    let budget: Int
    static let chunks = 16

    init(counts: [[UInt8]: Int64], options: UnigramModel.TrainingOptions, threads: Int) {
        let sorted = counts.sorted { $0.key.lexicographicallyPrecedes($1.key) }
        words = sorted.map { String(decoding: $0.key, as: UTF8.self).unicodeScalars.map(\.value) }
        frequencies = sorted.map { Double($0.value) }
        self.options = options
        self.threads = max(1, threads)
        budget = max(1, options.vocabularySize - options.specialTokens.count - 256)
        required = Set(
            coveringAlphabet(
                words, frequencies: sorted.map(\.value), coverage: options.characterCoverage,
                limit: min(budget, options.alphabetLimit ?? .max)))
    }

    /// Seeds, then EM and pruning; the learned pieces with their scores, best first.
    mutating func run() -> [(piece: String, score: Double)] {
        seed()
        let desired = Int(Double(budget) * 1.1)
        while true {
            for _ in 0..<options.subIterations {
                let expected = expectedCounts()
                maximize(expected)
            }
            if pieces.count <= desired { break }
            prune(toAtLeast: desired)
        }
        let better = { (a: Int, b: Int) -> Bool in
            self.scores[a] != self.scores[b]
                ? self.scores[a] > self.scores[b]
                : self.pieces[a].lexicographicallyPrecedes(self.pieces[b])
        }
        let order = pieces.indices.sorted(by: better)
        var chosen = order.filter { pieces[$0].count == 1 && required.contains(pieces[$0][0]) }
        var taken = Set(chosen)
        for index in order where chosen.count < budget && !taken.contains(index) {
            chosen.append(index)
            taken.insert(index)
        }
        chosen.sort(by: better)
        return chosen.map { (Self.string(pieces[$0]), scores[$0]) }
    }

    static func string(_ scalars: [UInt32]) -> String {
        String(String.UnicodeScalarView(scalars.compactMap(Unicode.Scalar.init)))
    }

    /// The kept characters and the most frequent substrings (by frequency × length, seen at
    /// least twice) as the first pieces, scored by log relative frequency.
    mutating func seed() {
        var substrings: [[UInt32]: Double] = [:]
        var characters: [UInt32: Double] = [:]
        for (word, frequency) in zip(words, frequencies) {
            for start in word.indices {
                guard required.contains(word[start]) else { continue }
                characters[word[start], default: 0] += frequency
                var end = start + 1
                while end < word.count, end - start < options.maximumPieceLength,
                    required.contains(word[end])
                {
                    end += 1
                    substrings[Array(word[start..<end]), default: 0] += frequency
                }
            }
        }
        var candidates = substrings.filter { $0.value >= 2 }.map {
            (piece: $0.key, score: $0.value * Double($0.key.count), count: $0.value)
        }
        candidates.sort {
            $0.score != $1.score
                ? $0.score > $1.score : $0.piece.lexicographicallyPrecedes($1.piece)
        }
        candidates = Array(candidates.prefix(options.seedSize))
        pieces = characters.keys.sorted().map { [$0] } + candidates.map(\.piece)
        let counts = characters.keys.sorted().map { characters[$0] ?? 1 } + candidates.map(\.count)
        let logTotal = log(counts.reduce(0, +))
        scores = counts.map { log($0) - logTotal }
    }

    // MARK: EM

    /// Expected piece counts over the corpus (forward–backward on each word's lattice).
    func expectedCounts() -> [Double] {
        let trie = PrefixTrie(pieces.enumerated().lazy.map { (units: $0.element, id: $0.offset) })
        let unknown = (scores.min() ?? 0) - 10
        var partial = [[Double]](repeating: [], count: Self.chunks)
        partial.withUnsafeMutableBufferPointer { slots in
            let shared = UncheckedBox(slots)  // each chunk writes only its own slot
            let workers = min(threads, Self.chunks)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                for chunk in stride(from: worker, to: Self.chunks, by: workers) {
                    var expected = [Double](repeating: 0, count: pieces.count)
                    let first = words.count * chunk / Self.chunks
                    for w in first..<(words.count * (chunk + 1) / Self.chunks) {
                        Self.accumulate(
                            words[w], frequency: frequencies[w], trie: trie, scores: scores,
                            unknown: unknown, into: &expected)
                    }
                    shared.value[chunk] = expected
                }
            }
        }
        var total = [Double](repeating: 0, count: pieces.count)
        for chunk in partial {
            for i in total.indices { total[i] += chunk[i] }
        }
        return total
    }

    static func accumulate(
        _ word: [UInt32], frequency: Double, trie: PrefixTrie<UInt32>, scores: [Double],
        unknown: Double,
        into expected: inout [Double]
    ) {
        let n = word.count
        var edges: [(start: Int, end: Int, piece: Int)] = []
        for start in 0..<n {
            var covered = false
            trie.forEachPrefix(of: word, from: start) { end, piece in
                edges.append((start, end, piece))
                if end == start + 1 { covered = true }
            }
            if !covered { edges.append((start, start + 1, -1)) }
        }
        var alpha = [Double](repeating: -.infinity, count: n + 1)
        alpha[0] = 0
        // Edges are grouped by start, ascending, so alpha[start] is final when reached.
        for edge in edges {
            let score = edge.piece >= 0 ? scores[edge.piece] : unknown
            alpha[edge.end] = logAdd(alpha[edge.end], alpha[edge.start] + score)
        }
        var beta = [Double](repeating: -.infinity, count: n + 1)
        beta[n] = 0
        for edge in edges.reversed() {
            let score = edge.piece >= 0 ? scores[edge.piece] : unknown
            beta[edge.start] = logAdd(beta[edge.start], beta[edge.end] + score)
        }
        let z = alpha[n]
        for edge in edges where edge.piece >= 0 {
            let posterior = exp(alpha[edge.start] + scores[edge.piece] + beta[edge.end] - z)
            expected[edge.piece] += frequency * posterior
        }
    }

    static func logAdd(_ a: Double, _ b: Double) -> Double {
        if a == -.infinity { return b }
        if b == -.infinity { return a }
        return max(a, b) + log1p(exp(-abs(a - b)))
    }

    func isRequired(_ index: Int) -> Bool {
        pieces[index].count == 1 && required.contains(pieces[index][0])
    }

    /// Drops pieces expected less than half a time (never required characters) and rescores the
    /// rest with the digamma (Dirichlet-prior) update.
    mutating func maximize(_ expected: [Double]) {
        var keptPieces: [[UInt32]] = []
        var keptCounts: [Double] = []
        for i in pieces.indices where expected[i] >= 0.5 || isRequired(i) {
            keptPieces.append(pieces[i])
            keptCounts.append(max(expected[i], 1e-3))
        }
        let logTotal = digamma(keptCounts.reduce(0, +))
        pieces = keptPieces
        scores = keptCounts.map { digamma($0) - logTotal }
    }

    // MARK: Pruning

    /// The best segmentation of `word` and its score, never using `excluded`.
    static func viterbi(
        _ word: [UInt32], trie: PrefixTrie<UInt32>, scores: [Double], unknown: Double,
        excluding excluded: Int = -1
    ) -> (pieces: [Int], score: Double) {
        let n = word.count
        var best = [Double](repeating: -.infinity, count: n + 1)
        var back = [(start: Int, piece: Int)](repeating: (0, -1), count: n + 1)
        best[0] = 0
        for start in 0..<n where best[start] > -.infinity {
            var covered = false
            trie.forEachPrefix(of: word, from: start) { end, piece in
                guard piece != excluded else { return }
                if end == start + 1 { covered = true }
                let candidate = best[start] + scores[piece]
                if candidate > best[end] {
                    best[end] = candidate
                    back[end] = (start, piece)
                }
            }
            if !covered, best[start] + unknown > best[start + 1] {
                best[start + 1] = best[start] + unknown
                back[start + 1] = (start, -1)
            }
        }
        var path: [Int] = []
        var end = n
        while end > 0 {
            path.append(back[end].piece)
            end = back[end].start
        }
        return (path.reversed(), best[n])
    }

    /// Keeps the pieces whose removal would cost the corpus likelihood most, at least
    /// `desired` and `shrinkingFactor` of the current count.
    mutating func prune(toAtLeast desired: Int) {
        let trie = PrefixTrie(pieces.enumerated().lazy.map { (units: $0.element, id: $0.offset) })
        let unknown = (scores.min() ?? 0) - 10
        // Pieces the Viterbi path of their own string avoids can go; the rest have alternatives.
        var alternatives = [[Int]](repeating: [], count: pieces.count)
        var removable = [Bool](repeating: false, count: pieces.count)
        for i in pieces.indices where !isRequired(i) && pieces[i].count > 1 {
            let without = Self.viterbi(
                pieces[i], trie: trie, scores: scores, unknown: unknown, excluding: i)
            if without.score > scores[i] {
                removable[i] = true
            } else {
                alternatives[i] = without.pieces
            }
        }
        // Viterbi frequencies over the corpus, and the words each piece appears in.
        var frequency = [Double](repeating: 0, count: pieces.count)
        var wordFrequency = [Double](repeating: 0, count: pieces.count)
        for (word, count) in zip(words, frequencies) {
            var seen = Set<Int>()
            for piece in Self.viterbi(word, trie: trie, scores: scores, unknown: unknown).pieces
            where piece >= 0 {
                frequency[piece] += count
                if seen.insert(piece).inserted { wordFrequency[piece] += count }
            }
        }
        let sum = frequency.reduce(0, +)
        let logSum = log(sum)
        let allWords = frequencies.reduce(0, +)
        var kept: [Int] = []
        var candidates: [(index: Int, loss: Double)] = []
        for i in pieces.indices {
            if isRequired(i) || (pieces[i].count == 1) {
                kept.append(i)
            } else if frequency[i] == 0 || removable[i] {
                continue
            } else if alternatives[i].isEmpty || alternatives[i].contains(-1) {
                kept.append(i)
            } else {
                let share = wordFrequency[i] / allWords
                let logProbability = log(frequency[i]) - logSum
                let alternativeSum =
                    sum - frequency[i] + frequency[i] * Double(alternatives[i].count)
                let logAlternativeSum = log(alternativeSum)
                let logProbabilityWithout = alternatives[i].reduce(0.0) {
                    $0 + log(frequency[$1] + frequency[i]) - logAlternativeSum
                }
                candidates.append((i, share * (logProbability - logProbabilityWithout)))
            }
        }
        let target = max(desired, Int(options.shrinkingFactor * Double(pieces.count)))
        candidates.sort { ($1.loss, $0.index) < ($0.loss, $1.index) }
        for candidate in candidates where kept.count < target { kept.append(candidate.index) }
        kept.sort()
        pieces = kept.map { pieces[$0] }
        scores = kept.map { scores[$0] }
    }
}

/// SentencePiece's digamma approximation (recurrence up to 7, then the asymptotic series).
func digamma(_ value: Double) -> Double {
    var x = value
    var result = 0.0
    while x < 7 {
        result -= 1 / x
        x += 1
    }
    x -= 0.5
    let xx = 1 / x
    let xx2 = xx * xx
    let xx4 = xx2 * xx2
    result +=
        log(x) + (1.0 / 24) * xx2 - (7.0 / 960) * xx4 + (31.0 / 8064) * xx4 * xx2
        - (127.0 / 30720) * xx4 * xx4
    return result
}
