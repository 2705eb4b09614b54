import Foundation
import KhudiText
import Testing
import _KhudiTestSupport

@testable import KhudiCorpus

/// The repetition rules' n-gram hashes, grown one word at a time, identify n-grams as hashing
/// each afresh would: equal word sequences share a hash, different ones (order included) do not.
@Suite struct GramHashesTests {
    func hashed(_ text: String) -> [QualityFilters.HashedWord] {
        QualityFilters.hashed(text.split(separator: " "))
    }

    @Test func equalGramsShareAHashAndOrderMatters() {
        var grams = QualityFilters.GramHashes(hashed("a b c a b c d b a"))
        grams.advance(to: 2)
        #expect(grams.hashes[0] == grams.hashes[3], "a b at 0 and 3")
        #expect(grams.hashes[0] != grams.hashes[7], "a b is not b a")
        grams.advance(to: 3)
        #expect(grams.n == 3)
        #expect(grams.hashes[0] == grams.hashes[3], "a b c at 0 and 3")
        #expect(Set(grams.hashes[0..<7]).count == 6, "7 trigrams, one repeated")
        grams.advance(to: 4)
        #expect(Set(grams.hashes[0..<6]).count == 6, "no 4-gram repeats")
    }

    @Test func goingBackStartsOverAndStopsAtTheWordCount() {
        let words = hashed("x y z x y")
        var grown = QualityFilters.GramHashes(words)
        grown.advance(to: 4)
        grown.advance(to: 2)
        var fresh = QualityFilters.GramHashes(words)
        fresh.advance(to: 2)
        #expect(grown.n == 2 && grown.hashes[0..<4] == fresh.hashes[0..<4])
        fresh.advance(to: 9)
        #expect(fresh.n == 5, "a gram never outgrows the words")
    }
}

/// The filters read words in one pass (`hashedWords`); they must be the words, hashes, lengths
/// and letter flags of `WordSplitter.words`, the splitter the rest of Khudi uses.
@Suite struct HashedWordsTests {
    @Test func oneScanEqualsSplittingThenHashing() throws {
        let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("datasets/sample")
        var texts = [
            "", "  ", "کِتاب، قلم۔ 2024 میں!", "a-b c.d\u{200C}e", "\u{1F469}\u{200D}\u{1F4BB} x",
            "۔۔۔ ،", "word", "٫٬ 12٫5 کے\n\nبعد",
        ]
        for language in ["urd", "snd", "pbt", "eng"] {
            let folder = sample.appendingPathComponent(language)
            for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() {
                texts.append(
                    try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8))
            }
        }
        for text in texts {
            let expected = QualityFilters.hashed(WordSplitter.words(text))
            #expect(QualityFilters.hashedWords(text) == expected, "\(text.prefix(40))")
        }
        #expect(texts.count > 20)
    }

    /// Every scalar below U+0900 (where the pass looks classes up in tables) between two
    /// letters splits, hashes and flags as the splitter says.
    @Test func everyTabledScalarAgreesWithTheSplitter() {
        for v in UInt32(0)..<0x0900 {
            guard let scalar = Unicode.Scalar(v) else { continue }
            for text in [String(scalar), "a\(scalar)ب", "\(scalar)\(scalar) x"] {
                let expected = QualityFilters.hashed(WordSplitter.words(text))
                #expect(QualityFilters.hashedWords(text) == expected, "U+\(String(v, radix: 16))")
            }
        }
    }
}

/// The top n-gram rules, which skip counting when a bound says they pass, decide as counting
/// every n-gram with a dictionary does, on repetitive random documents and random limits.
@Suite struct TopGramRuleTests {
    /// The rule by its definition: for each n in order, the most frequent n-gram (ties to the
    /// first seen), its characters (spaces between words included) times its count over the
    /// length; the first n over its limit rejects.
    static func reference(_ words: [String], limits: [Int: Double], length: Int) -> String? {
        for n in limits.keys.sorted() where words.count >= n {
            var counts: [ArraySlice<String>: Int] = [:]
            var best = (start: 0, count: 0)
            for i in 0...(words.count - n) {
                let gram = words[i..<(i + n)]
                counts[gram, default: 0] += 1
                if counts[gram, default: 0] > best.count { best = (i, counts[gram, default: 0]) }
            }
            let characters = words[best.start..<(best.start + n)].reduce(n - 1) {
                $0 + $1.unicodeScalars.count
            }
            if Double(characters * best.count) / Double(length) > limits[n, default: 1] {
                return "gopher_top_\(n)_gram"
            }
        }
        return nil
    }

    @Test func decisionsMatchCountingEveryGram() {
        var random = TestRandom(seed: 21)
        var rejected = 0
        for _ in 0..<600 {
            let vocabulary = (0..<(2 + Int(random.next() % 14))).map { _ in
                String(
                    (0..<(1 + Int(random.next() % 9))).map { _ in
                        Character(Unicode.Scalar(0x0627 + UInt32(random.next() % 30)) ?? "ا")
                    })
            }
            let words = (0..<(3 + Int(random.next() % 150))).map { _ in
                vocabulary[Int(random.next() % UInt64(vocabulary.count))]
            }
            var limits: [Int: Double] = [:]
            for n in 2...4 { limits[n] = 0.02 + Double(random.next() % 600) / 1000 }
            var thresholds = FilterThresholds.defaults(for: .urdu)
            thresholds.topNGrams = limits
            thresholds.duplicateNGrams = [:]
            let length = words.reduce(words.count - 1) { $0 + $1.unicodeScalars.count }
            let got = QualityFilters(thresholds: thresholds).repetition(
                words: QualityFilters.hashed(words.map { Substring($0) }), length: length,
                lines: 0, duplicateLines: 0)
            let expected = Self.reference(words, limits: limits, length: length)
            #expect(got?.rule == expected, "\(words.count) words, limits \(limits)")
            if expected != nil { rejected += 1 }
        }
        // Both outcomes are exercised.
        #expect(rejected > 100 && rejected < 500, "\(rejected) of 600 rejected")
    }

    @Test func longestGramCountsCharactersAndSpaces() {
        let words = QualityFilters.hashed(["ab", "c", "defg", "h"].map { Substring($0) })
        #expect(QualityFilters.longestGram(words, 1) == 4)
        #expect(QualityFilters.longestGram(words, 2) == 6)  // "c defg"
        #expect(QualityFilters.longestGram(words, 4) == 11)
    }
}
