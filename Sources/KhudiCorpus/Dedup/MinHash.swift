/// MinHash signatures with locality-sensitive hashing bands, as datatrove's MinhashDedup: word
/// 5-grams, `bands` × `rows` hashes a·x + b mod 2³² with odd a of the shingle's hash folded to
/// 32 bits (each a bijection; datatrove works mod 2⁶¹ − 1 and offers 32-bit precision too), and
/// no Jaccard verification: documents sharing any whole band are near-duplicates.
///
/// The hashes are computed eight at a time in vector registers (32-bit multiplies, adds and
/// minimums are single instructions; the 64-bit scalar loop this replaced was 9% of a
/// cleaning run). With the default 14 × 8 the 50% point of the detection curve is at Jaccard
/// ≈ 0.72 (reference/urdu-text.md §4.7).
public struct MinHasher: Sendable {
    public let bands: Int
    public let rows: Int
    public let ngram: Int
    /// Multipliers a as signed lanes, and offsets b with their top bit flipped, eight hashes
    /// to a vector (the last vector padded): a·x + (b ^ 2³¹) is the hash a·x + b with its top
    /// bit flipped, so the signed minimum of those is the unsigned minimum of the hashes
    /// (x86's baseline has a signed 32-bit compare but neither an unsigned one nor a minimum).
    let signedA: [SIMD8<Int32>]
    let flippedB: [SIMD8<Int32>]

    public init(bands: Int = 14, rows: Int = 8, ngram: Int = 5, seed: UInt64 = 1) {
        precondition(
            bands > 0 && rows > 0 && ngram > 0, "MinHasher: bands, rows and ngram must be positive")
        self.bands = bands
        self.rows = rows
        self.ngram = ngram
        var state = seed
        func next() -> UInt32 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return UInt32(truncatingIfNeeded: (z ^ (z >> 31)) >> 32)
        }
        let vectors = (bands * rows + 7) / 8
        var a = [SIMD8<UInt32>](repeating: SIMD8(repeating: 1), count: vectors)
        var b = [SIMD8<UInt32>](repeating: .zero, count: vectors)
        for i in 0..<(bands * rows) {
            a[i / 8][i % 8] = next() | 1  // odd: a bijection on 32-bit values
            b[i / 8][i % 8] = next()
        }
        signedA = a.map { SIMD8<Int32>(truncatingIfNeeded: $0) }
        flippedB = b.map { SIMD8<Int32>(truncatingIfNeeded: $0 ^ 0x8000_0000) }
    }

    /// One hash per band for the simplified `words` of a document, or nil when it has fewer
    /// words than one n-gram (too short to compare).
    public func bandHashes(_ words: [String]) -> [UInt64]? {
        bandHashes(wordHashes: words.map { ByteHash.scalars($0) })
    }

    /// `bandHashes` from the words' hashes (`TextSimplifier.wordHashes`).
    public func bandHashes(wordHashes: [UInt64]) -> [UInt64]? {
        guard let minimums = signature(wordHashes: wordHashes) else { return nil }
        return (0..<bands).map { band in
            var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(band)
            for row in 0..<rows {
                h = (h ^ UInt64(minimums[band * rows + row])) &* 0x0000_0100_0000_01B3
            }
            return h
        }
    }

    /// The `bands` × `rows` minimums over the document's shingles (the MinHash signature:
    /// two documents agree in each with probability their Jaccard similarity), or nil when
    /// there is no shingle.
    func signature(wordHashes: [UInt64]) -> [UInt32]? {
        guard wordHashes.count >= ngram else { return nil }
        // The shingles' hashes first, folded to 32 bits; then, eight hash functions at a time,
        // the minimum over all shingles kept in a register (a pass over the 14 vectors per
        // shingle kept the minimums, multipliers and offsets in memory).
        let shingles = wordHashes.count - ngram + 1
        let xs = [Int32](unsafeUninitializedCapacity: shingles) { xs, count in
            for start in 0..<shingles {
                var shingle: UInt64 = 0xCBF2_9CE4_8422_2325
                for k in start..<(start + ngram) {
                    shingle = (shingle ^ wordHashes[k]) &* 0x0000_0100_0000_01B3
                }
                xs[start] = Int32(truncatingIfNeeded: shingle ^ (shingle >> 32))
            }
            count = shingles
        }
        var minimums = [UInt32](repeating: 0, count: bands * rows)
        xs.withUnsafeBufferPointer { xs in
            for v in 0..<signedA.count {
                let av = signedA[v]
                let bv = flippedB[v]
                var low = SIMD8<Int32>(repeating: .max)
                for x in xs { low = pointwiseMin(low, av &* SIMD8(repeating: x) &+ bv) }
                for lane in 0..<8 where v * 8 + lane < minimums.count {
                    minimums[v * 8 + lane] = UInt32(bitPattern: low[lane]) ^ 0x8000_0000
                }
            }
        }
        return minimums
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
