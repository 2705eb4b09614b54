import Foundation
import Testing

@testable import KhudiCorpus

/// The one-pass words of a document equal the filters' and the simplifier's own passes.
@Suite struct DocumentWordsTests {
    static let texts = [
        "", " ", "ایک", "کِتاب، آئی 2024 اور 3.5 ہے۔ ABC", "a1,5b ۱۲٫۵ x", "\u{0651}\u{0651} ب",
        "ÉCOLE Ölçü ΣΟΦΙΑ Москва", "😀 👩‍💻 ok", "line\nnext\tword…", "۔۔۔ ؟ !!",
        "mixed اردو text ساتھ English الفاظ 12:30",
    ]

    @Test(arguments: texts)
    func bothWordListsMatchTheirOwnPasses(_ text: String) {
        let words = DocumentWords(text, simplified: true)
        #expect(words.hashed == QualityFilters.hashedWords(text))
        #expect(words.simplifiedHashes == TextSimplifier.wordHashes(text))
    }

    @Test func withoutSimplifyingOnlyTheFiltersWordsAreFormed() {
        let text = "کِتاب، آئی 2024 اور"
        let words = DocumentWords(text, simplified: false)
        #expect(words.hashed == QualityFilters.hashedWords(text))
        #expect(words.simplifiedHashes.isEmpty)
    }

    @Test func theSampleCorpusMatches() throws {
        for text in try DeduplicationTests.paragraphs() {
            let words = DocumentWords(text, simplified: true)
            #expect(words.hashed == QualityFilters.hashedWords(text))
            #expect(words.simplifiedHashes == TextSimplifier.wordHashes(text))
        }
    }
}
