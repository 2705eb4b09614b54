import Foundation
import KhudiText
import Testing

@testable import KhudiCorpus

/// The filters against hand-built documents, each made to fail exactly one rule.
@Suite struct FilterTests {
    /// A clean Urdu document from the team's sample corpus (about 300 words).
    static let good =
        (try? String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent(
                    "datasets/sample/urd/society.txt"),
            encoding: .utf8
        ))?.components(separatedBy: "\n\n")[0] ?? ""

    static let urdu = QualityFilters(thresholds: .defaults(for: .urdu))

    @Test func aCleanUrduDocumentPasses() {
        #expect(Self.urdu.check(Self.good) == nil)
    }

    @Test func duplicatedLinesFail() {
        let lines = Self.good.split(separator: "\n")
        let doc = (lines + lines + lines).joined(separator: "\n")
        #expect(Self.urdu.check(doc)?.rule == "gopher_duplicate_lines")
    }

    @Test func repeatedPhrasesFail() {
        let doc =
            Self.good + "\n"
            + String(repeating: "یہ بہت اچھی بات ہے اور سب کو معلوم ہے۔ ", count: 30)
        let rule = Self.urdu.check(doc)?.rule ?? ""
        #expect(rule.hasPrefix("gopher_top_") || rule.hasPrefix("gopher_duplicate_"), "\(rule)")
    }

    /// Each duplicate n-gram rule, checked alone with every other rule off: a repeated run of
    /// ten words trips every n up to 10, and a document without a repeated 5-gram (where the
    /// rules stop early) still meets a limit set below 0 for a larger n.
    @Test func duplicateNGramRulesReachEveryN() {
        let ten = "ایک دو تین چار پانچ چھ سات آٹھ نو دس"
        var only10 = FilterThresholds.defaults(for: .urdu)
        only10.topNGrams = [:]
        only10.duplicateNGrams = [10: 0.01]
        let repeated = QualityFilters(thresholds: only10).repetition(
            words: QualityFilters.hashedWords(Self.good + " " + ten + " " + ten),
            length: 2_000, lines: 1, duplicateLines: 0)
        #expect(repeated?.rule == "gopher_duplicate_10_grams")
        var negative = FilterThresholds.defaults(for: .urdu)
        negative.topNGrams = [:]
        negative.duplicateNGrams = [5: 0.15, 8: -1]
        let clean = QualityFilters(thresholds: negative).repetition(
            words: QualityFilters.hashedWords(ten), length: 40, lines: 1, duplicateLines: 0)
        #expect(clean?.rule == "gopher_duplicate_8_grams")
    }

    @Test func tooShortFails() {
        var filters = Self.urdu
        filters.gopherRepetition = false  // a six-word text trips the n-gram rules first
        #expect(filters.check("یہ ایک چھوٹا سا جملہ ہے۔")?.rule == "gopher_word_count")
    }

    @Test func noStopWordsFails() {
        let letters: [Character] = Array("بپتٹجچدڈرزسشفقگلمن")
        var words: [String] = []
        for i in 0..<80 {
            let first: Character = letters[i % 18]
            let second: Character = letters[(i / 18) % 18]
            words.append(String([first, second, "ا", letters[(i * 7) % 18]]))
        }
        let doc = words.joined(separator: " ") + "۔"
        #expect(Self.urdu.check(doc)?.rule == "gopher_stop_words")
    }

    @Test func mostlyNumbersFail() {
        let doc = Self.good + "\n" + (0..<400).map { "\($0 * 37)" }.joined(separator: " ")
        #expect(Self.urdu.check(doc)?.rule == "gopher_alphabetic_words")
    }

    @Test func linesWithoutPunctuationFail() {
        let doc = Self.good.replacingOccurrences(of: "۔", with: "").replacingOccurrences(
            of: "،", with: "")
        #expect(Self.urdu.check(doc)?.rule == "fineweb_line_punctuation")
    }

    @Test func oneWordPerLineFailsTheNewLineRatio() {
        var seen = Set<Substring>()
        let unique = WordSplitter.words(Self.good).filter { seen.insert($0).inserted }
        let doc = unique.prefix(120).map { String($0) + "۔" }.joined(separator: "\n")
        #expect(Self.urdu.check(doc)?.rule == "fineweb_new_line_ratio")
    }

    @Test func englishUsesGopherDefaults() {
        let english = QualityFilters(thresholds: .defaults(for: .english))
        let doc = String(
            repeating: "The school and the village have worked with care to keep it open. ",
            count: 12)
        #expect(english.thresholds.stopWords.contains("the"))
        #expect(
            english.check(doc)?.rule.hasPrefix("gopher_") == true,
            "a document of one repeated sentence")
    }

    @Test func thresholdsFollowFineWeb2() {
        #expect(FilterThresholds.defaults(for: .urdu).duplicateLineFraction == 0.204)
        #expect(FilterThresholds.defaults(for: .sindhi).maximumMeanWordLength == 50)
        #expect(FilterThresholds.defaults(for: .kashmiri).languageScore == 0.3)
    }

    @Test func c4KeepsPunctuatedLinesAndDropsBoilerplate() throws {
        let text = """
            یہ پہلا جملہ مکمل ہے۔
            سرخی بغیر نقطے
            یہ دوسرا جملہ بھی مکمل ہے۔
            This site uses cookies to work.
            تیسرا جملہ یہاں ہے۔ چوتھا جملہ بھی۔ پانچواں آخری ہے۔
            """
        let (kept, dropped) = try C4LineFilter().apply(text).get()
        #expect(dropped == 2)
        #expect(!kept.contains("سرخی") && !kept.contains("cookies"))
        if case .failure(let rejection) = C4LineFilter().apply("ایک { دو") {
            #expect(rejection.rule == "c4_curly_bracket")
        } else {
            Issue.record("not rejected")
        }
    }
}
