import Foundation
import KhudiText
import Testing

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
