import Testing

@testable import KhudiCorpus

/// The Gopher stop-word rule's count: distinct stop words, by their bytes, "،" found in the text
/// itself (the word splitter treats it as a separator), and no counting past what the rule needs.
@Suite struct StopWordCountTests {
    let stop = ["کے", "میں", "،", "ہے", "کے"]  // a repeat counts once

    func count(_ text: String, enough: Int = 10) -> Int {
        let words = QualityFilters.hashed(text.split(separator: " "))
        return QualityFilters.distinctStopWords(
            words, hasArabicComma: TextCensus(text).hasArabicComma, stopWords: stop, enough: enough)
    }

    @Test func countsDistinctStopWordsOnce() {
        #expect(count("کتاب کے اندر کے صفحے میں ہے ہے") == 3)
        #expect(count("کتاب اور قلم") == 0)
        #expect(count("کےساتھ میںنے") == 0, "only whole words count")
    }

    @Test func theArabicCommaCountsFromTheText() {
        #expect(count("کتاب، قلم") == 1)
        #expect(count("کتاب، قلم میں") == 2)
    }

    @Test func stopsCountingAtEnough() {
        #expect(count("کے میں ہے، سب", enough: 2) == 2)
    }
}
