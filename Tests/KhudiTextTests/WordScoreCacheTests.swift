import Foundation
import Testing

@testable import KhudiText

/// Scoring word by word through `WordScoreCache` covers exactly the grams the model defines,
/// and the cache changes no bit of any result.
@Suite struct WordScoreCacheTests {
    static let texts = [
        "", "!!", "a", "ab", "ا", "یہ ایک کتاب ہے اور یہ ایک قلم ہے", "ڪتاب ۾ ښه x y z",
        "The cat sat on the mat, the cat sat.", "a b c d e", "ab cd ab cd ab cd ab",
        String(repeating: "ب", count: 40) + " ب " + String(repeating: "ب", count: 40),
        "mixed اردو text ساتھ English الفاظ", "\u{0627}\u{064E}\u{0628} \u{0628}\u{0650}",
    ]

    /// Every gram of orders 1…4 of the featurized text, but the lone space, scored one at a
    /// time along the text: the definition the word-by-word sums must agree with.
    static func gramByGram(_ model: NGramModel, _ text: String) -> (totals: [Float], grams: Int) {
        var total = SIMD16<Float>()
        var unseen = 0
        var grams = 0
        model.lookup.table.withSlots { slots in
            NGramModel.forEachGram(NGramModel.features(of: text)) { gram in
                grams += 1
                let key = NGramModel.hash(gram.map(\.value))
                if !model.lookup.table.add(key, to: &total, slots: slots) { unseen += 1 }
            }
        }
        let totals = model.lookup.languages.indices.map {
            total[$0] + model.lookup.unseen[$0] * Float(unseen)
        }
        return (totals, grams)
    }

    @Test func wordByWordCoversEveryGramOnce() throws {
        let model = try LanguageIdentifier.bundled().model
        for text in Self.texts {
            var none = WordScoreCache(capacity: 0)
            let (totals, grams) = model.totals(NGramModel.featureScalars(of: text), cache: &none)
            let reference = Self.gramByGram(model, text)
            #expect(grams == reference.grams, "\(text)")
            for (a, b) in zip(totals, reference.totals) {
                #expect(abs(a - b) <= 1e-4 * max(1, abs(b)), "\(text): \(a) vs \(b)")
            }
        }
    }

    /// With no cache, a two-word cache (every word evicts another, and words share a slot)
    /// and the default cache, over repeated texts so that held words are found again, the
    /// totals are the same bits.
    @Test func theCacheChangesNoBit() throws {
        let model = try LanguageIdentifier.bundled().model
        var tiny = WordScoreCache(capacity: 2)
        var large = WordScoreCache()
        for _ in 0..<3 {
            for text in Self.texts {
                let scalars = NGramModel.featureScalars(of: text)
                var none = WordScoreCache(capacity: 0)
                let expected = model.totals(scalars, cache: &none)
                for got in [
                    model.totals(scalars, cache: &tiny), model.totals(scalars, cache: &large),
                ] {
                    #expect(got.grams == expected.grams)
                    #expect(
                        got.totals.map(\.bitPattern) == expected.totals.map(\.bitPattern), "\(text)"
                    )
                }
            }
        }
    }

    /// The words the featurizer keys as it writes are those found and hashed in the featurized
    /// scalars afterwards, and give the same totals.
    @Test func featurizedWordsGiveTheTotalsOfTheScan() throws {
        let model = try LanguageIdentifier.bundled().model
        for text in Self.texts {
            let features = NGramModel.featureWords(of: text) { _, _ in }
            #expect(features.scalars == NGramModel.featureScalars(of: text))
            #expect(features.words == NGramModel.words(of: features.scalars), "\(text)")
            var none = WordScoreCache(capacity: 0)
            let scanned = model.totalVector(features.scalars, cache: &none)
            let keyed = model.totalVector(features.scalars, words: features.words, cache: &none)
            #expect(keyed.grams == scanned.grams, "\(text)")
            #expect(keyed.totals == scanned.totals, "\(text)")
        }
    }

    /// Two words that share a set both stay (two ways); a third evicts the one used least
    /// recently.
    @Test func aSetHoldsTwoWordsAndEvictsTheLeastRecentlyUsed() {
        var cache = WordScoreCache(capacity: 2)  // one set of two slots
        var computed: [UInt64] = []
        func look(_ key: UInt64) {
            _ = cache.window(key, letters: 3) {
                computed.append(key)
                return (SIMD16<Float>(repeating: Float(key)), 0)
            }
        }
        for key: UInt64 in [1, 2, 1, 2, 1] { look(key) }
        #expect(computed == [1, 2])
        look(3)  // evicts 2, used before the last 1
        look(1)
        look(2)
        #expect(computed == [1, 2, 3, 2])
    }

    @Test func documentDecisionsAreTheSameWithAWarmCache() throws {
        let identifier = try LanguageIdentifier.bundled()
        var cache = WordScoreCache()
        for text in Self.texts + Self.texts {
            let cold = identifier.identifyDocument(text)
            #expect(identifier.identifyDocument(text, cache: &cache) == cold, "\(text)")
        }
    }
}
