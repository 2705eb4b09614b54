import Foundation
import Testing

@testable import KhudiText

@Suite struct LanguageIdentifierTests {
    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
            "datasets/sample")

    @Test func ordinalsArePositionsInAllCases() {
        #expect(Language.allCases.map(\.ordinal) == Array(Language.allCases.indices))
    }

    @Test func scriptProfileCountsScriptsAndLanguageLetters() {
        let profile = ScriptProfile("ڪتاب ۾ ښه GPT ٹ 12")
        #expect(profile.dominantScript == .arabic)
        #expect(profile.latinLetters == 3)
        #expect(profile.digits == 2)
        #expect(profile.sindhiLetters == 2)
        #expect(profile.pashtoLetters == 1)
        #expect(profile.urduLetters == 1)
        #expect(ScriptProfile("hello").dominantScript == .latin)
        #expect(ScriptProfile("123 !?").dominantScript == .none)
    }

    /// Each scalar alone, through the tables (ASCII, Arabic block) or not, counts as its own
    /// classification says, and the Arabic block's letters, marks and digits count as such.
    @Test func scriptProfileTablesMatchTheClassification() {
        var checked = 0
        for v in UInt32(0)..<0x0900 {
            guard let scalar = Unicode.Scalar(v) else { continue }
            let p = ScriptProfile(String(scalar))
            let counts = [
                p.digits, p.latinLetters, p.arabicLetters, p.otherLetters, p.sindhiLetters,
                p.pashtoLetters, p.kashmiriLetters, p.urduLetters,
            ]
            let flags = ScriptProfile.classify(scalar)
            #expect(counts == (0..<8).map { flags.rawValue & (1 << $0) != 0 ? 1 : 0 }, "\(v)")
            checked += 1
        }
        #expect(checked == 0x0900)
        #expect(ScriptProfile("\u{06A9}").arabicLetters == 1)  // ک
        #expect(ScriptProfile("\u{0679}").urduLetters == 1)  // ٹ
        #expect(ScriptProfile("\u{06F5}").digits == 1)  // ۵
        #expect(ScriptProfile("\u{064E}").letters == 0)  // a fatha is no letter
        #expect(ScriptProfile("\u{065F}").kashmiriLetters == 1)
    }

    /// The featurizer's lookup tables agree with its test, scalar by scalar below U+0900:
    /// a letter or mark becomes itself (ASCII capitals lower-cased), anything else a space.
    @Test func featureTablesMatchTheTest() {
        for v in UInt32(0)..<0x0900 {
            guard let scalar = Unicode.Scalar(v) else { continue }
            let lowered = (0x41...0x5A).contains(v) ? v + 32 : v
            let expected: [UInt32] = NGramModel.isFeature(scalar) ? [0x20, lowered, 0x20] : [0x20]
            #expect(NGramModel.featureScalars(of: String(scalar)) == expected, "\(v)")
        }
        #expect(NGramModel.featureScalars(of: "\u{0627}\u{064E}") == [0x20, 0x0627, 0x064E, 0x20])
        #expect(NGramModel.featureScalars(of: "A.\u{0640}") == [0x20, 0x61, 0x20])
    }

    @Test(arguments: ["urd", "snd", "pbt", "pnb", "eng", "urd_Latn"])
    func teamSamplesAreIdentified(code: String) throws {
        let identifier = try LanguageIdentifier.bundled()
        let folder = Self.sample.appendingPathComponent(code)
        let file = code == "urd" ? "society.txt" : "sample.txt"
        let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
        let decision = try #require(identifier.identifyDocument(text))
        #expect(decision.language.code == code)
        #expect(decision.confidence > 0.5)
        #expect(!decision.isCodeMixed)
    }

    @Test func loadsAModelFileOrTheBundledModel() throws {
        let english = ["the book is on the table and the school is open today"]
        let urdu = ["کتاب میز پر ہے اور اسکول آج کھلا ہے"]
        let model = NGramModel.train([.english: english, .urdu: urdu])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "khudi-lid-\(UUID().uuidString).tsv")
        defer { try? FileManager.default.removeItem(at: path) }
        try model.serialized().write(to: path, atomically: true, encoding: .utf8)
        let loaded = try LanguageIdentifier.load(modelFile: path.path)
        #expect(loaded.model.serialized() == model.serialized())
        #expect(
            try LanguageIdentifier.load(modelFile: nil).model.serialized()
                == LanguageIdentifier.bundled().model.serialized())
        #expect(throws: (any Error).self) {
            try LanguageIdentifier.load(modelFile: path.path + ".missing")
        }
    }

    @Test func codeMixedDocumentsReportTheirMix() throws {
        let identifier = try LanguageIdentifier.bundled()
        let text = """
            ہمارے گاؤں کا اسکول ایک پرانی عمارت میں ہے جس کی دیواروں پر بارشوں کے نشان ہیں۔
            The school runs on very little, and older children teach the younger ones.
            """
        let decision = try #require(identifier.identifyDocument(text))
        #expect(decision.isCodeMixed)
        #expect(Set(decision.mix.keys) == [.urdu, .english])
        #expect(identifier.identifyLines(text).map { $0?.language } == [.urdu, .english])
    }

    @Test func textWithoutLettersHasNoLanguage() throws {
        let identifier = try LanguageIdentifier.bundled()
        #expect(identifier.identify("۱۲۳ 456 ... !!") == nil)
    }

    @Test func modelRoundTripsThroughItsTextFormat() throws {
        let model = NGramModel.train(
            [.english: ["the cat sat on the mat"], .urdu: ["یہ ایک کتاب ہے"]], keep: 50)
        let reread = try NGramModel(serialized: model.serialized())
        #expect(reread.serialized() == model.serialized())
        #expect(reread.scores("the mat").first?.0 == .english)
    }

    @Test func theBundledModelReadsBackToTheSameFile() throws {
        let url = Self.sample.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/KhudiText/Resources/language-id.tsv")
        let file = try String(contentsOf: url, encoding: .utf8)
        // Every gram, value and unseen row survives reading (the file was written by
        // `serialized()`), however the reader splits lines and fields.
        #expect(try NGramModel(serialized: file).serialized() == file)
    }

    @Test func malformedModelFilesAreRejectedWithTheLine() {
        #expect(throws: LanguageIDError.badModel("missing header khudi-language-id/1")) {
            try NGramModel(serialized: "nonsense\n")
        }
        #expect(
            throws: LanguageIDError.badModel("line 2: expected language, gram, log-probability")
        ) {
            try NGramModel(serialized: "khudi-language-id/1\nxx\tab\t1\n")
        }
        // Lines are counted as the file has them, empty ones included; two or four fields and
        // a value that is not a number are each rejected.
        for (text, line) in [
            ("khudi-language-id/1\n\nurd\t ab\t-1\nurd\tab\n", 4),
            ("khudi-language-id/1\nurd\t ab\t-1\t2\n", 2),
            ("khudi-language-id/1\nurd\t\t-20\nurd\tab\tmany\n", 3),
        ] {
            #expect(
                throws: LanguageIDError.badModel(
                    "line \(line): expected language, gram, log-probability")
            ) { try NGramModel(serialized: text) }
        }
        #expect(throws: LanguageIDError.badModel("missing header khudi-language-id/1")) {
            try NGramModel(serialized: "\n\n")
        }
    }
}
