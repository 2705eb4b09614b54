/// MinHash signatures with locality-sensitive hashing bands, as datatrove's MinhashDedup: word
/// 5-grams, `bands` × `rows` hashes a·x + b mod 2⁶⁴ with odd a (each a bijection of the shingle
/// hash; datatrove works mod 2⁶¹ − 1), and no Jaccard verification: documents sharing any whole
/// band are near-duplicates.
///
/// With the default 14 × 8 the 50% point of the detection curve is at Jaccard ≈ 0.72
/// (reference/urdu-text.md §4.7).
public struct MinHasher: Sendable {
    public let bands: Int
    public let rows: Int
    public let ngram: Int
    private let a: [UInt64]
    private let b: [UInt64]

    public init(bands: Int = 14, rows: Int = 8, ngram: Int = 5, seed: UInt64 = 1) {
        precondition(
            bands > 0 && rows > 0 && ngram > 0, "MinHasher: bands, rows and ngram must be positive")
        self.bands = bands
        self.rows = rows
        self.ngram = ngram
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        var a: [UInt64] = []
        var b: [UInt64] = []
        for _ in 0..<(bands * rows) {
            a.append(next() << 3 | 1)  // odd: a bijection on 64-bit values
            b.append(next())
        }
        self.a = a
        self.b = b
    }

    /// One hash per band for the simplified `words` of a document, or nil when it has fewer
    /// words than one n-gram (too short to compare).
    public func bandHashes(_ words: [String]) -> [UInt64]? {
        bandHashes(wordHashes: words.map { ByteHash.fnv1a($0.utf8) })
    }

    /// `bandHashes` from the words' hashes (`TextSimplifier.wordHashes`).
    public func bandHashes(wordHashes: [UInt64]) -> [UInt64]? {
        guard wordHashes.count >= ngram else { return nil }
        var minimums = [UInt64](repeating: .max, count: bands * rows)
        for start in 0...(wordHashes.count - ngram) {
            var shingle: UInt64 = 0xCBF2_9CE4_8422_2325
            for k in start..<(start + ngram) {
                shingle = (shingle ^ wordHashes[k]) &* 0x0000_0100_0000_01B3
            }
            for i in 0..<minimums.count {
                let h = a[i] &* shingle &+ b[i]
                if h < minimums[i] { minimums[i] = h }
            }
        }
        return (0..<bands).map { band in
            var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(band)
            for row in 0..<rows { h = (h ^ minimums[band * rows + row]) &* 0x0000_0100_0000_01B3 }
            return h
        }
    }
}

/// Clusters documents that share a MinHash band (union-find), keeping the first of each.
///
/// Memory: per document, one union-find slot (parent, size: 16 bytes) plus one dictionary
/// entry per band it opened (about 14 × 16 bytes before hashing overhead), so roughly 0.3–0.5 kB
/// per document: a million documents need about 0.5 GB. `estimatedBytes` reports it.
public struct NearDuplicateIndex {
    private var buckets: [[UInt64: Int32]]
    private var parent: [Int32] = []
    private var size: [Int32] = []

    public init(bands: Int) {
        buckets = Array(repeating: [:], count: bands)
    }

    /// Adds document number `parent.count` and returns that number.
    @discardableResult
    public mutating func insert(_ bandHashes: [UInt64]) -> Int {
        let id = Int32(parent.count)
        parent.append(id)
        size.append(1)
        for (band, hash) in bandHashes.enumerated() {
            if let other = buckets[band][hash] {
                union(id, other)
            } else {
                buckets[band][hash] = id
            }
        }
        return Int(id)
    }

    private mutating func find(_ x: Int32) -> Int32 {
        var root = x
        while parent[Int(root)] != root { root = parent[Int(root)] }
        var node = x
        while parent[Int(node)] != root {
            let next = parent[Int(node)]
            parent[Int(node)] = root
            node = next
        }
        return root
    }

    private mutating func union(_ x: Int32, _ y: Int32) {
        var (rx, ry) = (find(x), find(y))
        guard rx != ry else { return }
        // The smaller id stays root, so a cluster's root is its first document.
        if ry < rx { swap(&rx, &ry) }
        parent[Int(ry)] = rx
        size[Int(rx)] += size[Int(ry)]
    }

    /// Whether document `id` is the one kept from its cluster (the first inserted).
    public mutating func isKept(_ id: Int) -> Bool { find(Int32(id)) == Int32(id) }

    /// The size of the cluster document `id` belongs to.
    public mutating func clusterSize(_ id: Int) -> Int { Int(size[Int(find(Int32(id)))]) }

    /// Documents inserted.
    public var count: Int { parent.count }

    /// A rough size of the index in bytes (entries × their storage, without hashing overhead).
    public var estimatedBytes: Int {
        parent.count * 8 + buckets.reduce(0) { $0 + $1.count * 12 }
    }
}
