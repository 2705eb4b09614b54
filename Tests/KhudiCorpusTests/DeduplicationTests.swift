import Foundation
import Testing
import _KhudiTestSupport

@testable import KhudiCorpus

@Suite struct DeduplicationTests {
    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
            "datasets/sample/urd")

    /// Paragraphs of the team's sample corpus with at least 40 words: distinct documents.
    static func paragraphs() throws -> [String] {
        let files = try FileManager.default.contentsOfDirectory(atPath: sample.path).filter {
            $0 != "messy.txt"
        }.sorted()
        return try files.flatMap { file in
            try String(contentsOf: sample.appendingPathComponent(file), encoding: .utf8)
                .split(separator: "\n").map(String.init).filter {
                    $0.split(separator: " ").count >= 40
                }
        }
    }

    @Test func simplificationFoldsMarksDigitsAndPunctuation() {
        #expect(
            TextSimplifier.words("کِتاب، آئی 2024 اور 3.5 ہے۔ ABC") == [
                "کتاب", "\u{0627}\u{064A}\u{06CC}", "0", "اور", "0", "ہے", "abc",
            ])
    }

    @Test func wordHashesAreTheHashesOfTheSimplifiedWords() throws {
        let texts =
            try Self.paragraphs().prefix(20) + [
                "کِتاب، آئی 2024 اور 3.5 ہے۔ ABC", "", "۔۔۔", "Ünïcödé ÉCOLE 1,000.5 x",
            ]
        for text in texts {
            #expect(
                TextSimplifier.wordHashes(text)
                    == TextSimplifier.words(text).map { ByteHash.scalars($0) })
        }
    }

    @Test func nearDuplicatesAreFoundAndDistinctDocumentsAreNot() throws {
        let originals = try Self.paragraphs()
        #expect(originals.count >= 40)
        var random = TestRandom(seed: 5)
        // Each near-duplicate changes one word in fifty.
        let copies = originals.map { text -> String in
            var words = text.split(separator: " ").map(String.init)
            for i in stride(from: Int(random.next() % 50), to: words.count, by: 50) {
                words[i] = "تبدیل"
            }
            return words.joined(separator: " ")
        }
        let hasher = MinHasher()
        var index = NearDuplicateIndex(bands: hasher.bands)
        for text in originals + copies {
            index.insert(try #require(hasher.bandHashes(TextSimplifier.words(text))))
        }
        let n = originals.count
        let found = (0..<n).filter { !index.isKept(n + $0) && index.clusterSize($0) >= 2 }.count
        let falseMerges = (0..<n).filter { !index.isKept($0) }.count
        let recall = Double(found) / Double(n)
        #expect(recall >= 0.9, "recall \(recall)")
        #expect(falseMerges == 0, "\(falseMerges) distinct paragraphs merged")
    }

    /// The signature estimates Jaccard similarity as MinHash should: over pairs of sets with a
    /// known Jaccard J, the share of agreeing minimums averages J, and it spreads across pairs
    /// no more than 112 independent hashes allow (√(J(1−J)/112)); hashes that moved together
    /// would spread far more.
    @Test func signaturesEstimateJaccardSimilarity() {
        let hasher = MinHasher(ngram: 1)
        let hashes = hasher.bands * hasher.rows
        var random = TestRandom(seed: 11)
        for (common, own) in [(40, 80), (100, 50), (160, 20)] {
            let jaccard = Double(common) / Double(common + 2 * own)
            var estimates: [Double] = []
            for _ in 0..<40 {
                let shared = (0..<common).map { _ in random.next() }
                let a = shared + (0..<own).map { _ in random.next() }
                let b = (0..<own).map { _ in random.next() } + shared
                guard let sa = hasher.signature(wordHashes: a),
                    let sb = hasher.signature(wordHashes: b)
                else {
                    Issue.record("no signature")
                    return
                }
                estimates.append(Double(zip(sa, sb).filter { $0 == $1 }.count) / Double(hashes))
            }
            let mean = estimates.reduce(0, +) / Double(estimates.count)
            let spread =
                (estimates.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
                / Double(estimates.count - 1)).squareRoot()
            let expectedSpread = (jaccard * (1 - jaccard) / Double(hashes)).squareRoot()
            #expect(abs(mean - jaccard) < 0.03, "J \(jaccard): mean estimate \(mean)")
            #expect(spread < 1.5 * expectedSpread, "J \(jaccard): spread \(spread)")
        }
    }

    /// The vectorised signature is each hash function's minimum over the shingles, a·x + b
    /// mod 2³² taken unsigned, for an even and an odd number of eight-hash vectors and a last
    /// vector only partly used.
    @Test(arguments: [(14, 8), (9, 13), (5, 3), (1, 1)])
    func signaturesAreTheMinimumsByDefinition(_ shape: (Int, Int)) throws {
        let hasher = MinHasher(bands: shape.0, rows: shape.1)
        var random = TestRandom(seed: 3)
        for length in [5, 6, 17, 120] {
            let words = (0..<length).map { _ in random.next() }
            let signature = try #require(hasher.signature(wordHashes: words))
            var expected = [UInt32](repeating: .max, count: shape.0 * shape.1)
            for start in 0...(length - 5) {
                var shingle: UInt64 = 0xCBF2_9CE4_8422_2325
                for k in start..<(start + 5) {
                    shingle = (shingle ^ words[k]) &* 0x0000_0100_0000_01B3
                }
                let x = UInt32(truncatingIfNeeded: shingle ^ (shingle >> 32))
                for i in expected.indices {
                    let a = UInt32(bitPattern: hasher.signedA[i / 8][i % 8])
                    let b = UInt32(bitPattern: hasher.flippedB[i / 8][i % 8]) ^ 0x8000_0000
                    expected[i] = min(expected[i], a &* x &+ b)
                }
            }
            #expect(signature == expected, "\(shape) \(length) words")
        }
    }

    @Test func exactDuplicatesAreCaught() {
        var exact = ExactDeduplicator()
        let decisions = ["ایک دستاویز", "ایک دستاویز", "ایک اور دستاویز"].map { exact.isFirst($0) }
        #expect(decisions == [true, false, true])
        #expect(exact.count == 2)
    }

    @Test func exactKeysTellApartTextsThatDifferInOneByteOrTheirLength() {
        var exact = ExactDeduplicator()
        let base = "ایک دستاویز جو آٹھ بائٹ سے کہیں لمبی ہے"
        var texts: [String] = []
        // Every prefix (every length across the eight-byte words the key reads), with a NUL or
        // one more letter appended: each pair shares all but its last bytes or its length.
        for length in 0...base.count {
            let prefix = String(base.prefix(length))
            texts += [prefix, prefix + "\u{0}", prefix + "ا", prefix]
        }
        let firsts = texts.filter { exact.isFirst($0) }.count
        #expect(firsts == Set(texts).count)
        #expect(exact.count == Set(texts).count)
    }

    @Test func tooShortDocumentsHaveNoSignature() {
        #expect(MinHasher().bandHashes(["ایک", "دو"]) == nil)
    }
}

/// The simplifier's tables give what its steps give for every scalar they cover (below U+0700,
/// General Punctuation and the honorific ligatures), alone, between letters, inside numbers and
/// after a digit.
@Suite struct SimplifierTableTests {
    func emitted(_ text: String, usingTables: Bool) -> [UInt32] {
        var out: [UInt32] = []
        TextSimplifier.simplify(text, usingTables: usingTables) { out.append($0 ?? 0) }
        return out
    }

    @Test func tablesAgreeWithTheSteps() {
        var checked = 0
        for v in Array(UInt32(0)..<0x0700) + Array(UInt32(0x2000)..<0x2070)
            + Array(UInt32(0xFDF0)..<0xFE00)
        {
            guard let scalar = Unicode.Scalar(v) else { continue }
            for text in [
                "\(scalar)", "a\(scalar)ب", "12\(scalar)5", "۱\(scalar)\(scalar)x", "\(scalar) 3",
            ] {
                #expect(
                    emitted(text, usingTables: true) == emitted(text, usingTables: false),
                    "U+\(String(v, radix: 16))")
            }
            checked += 1
        }
        #expect(checked == 0x0700 + 0x70 + 0x10)
        #expect(TextSimplifier.words("آپ 3.5 کِتاب") == ["اپ", "0", "کتاب"])
    }
}
