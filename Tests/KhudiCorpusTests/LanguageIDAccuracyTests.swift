import Foundation
import KhudiCorpus
import KhudiText
import Testing

/// The shipped language-ID model on the held-out tenth of the team's corpora
/// (datasets/language-id-sources.txt): at least 97% accuracy on lines of five or more words over
/// urd, snd, pbt, pnb, eng and urd_Latn.
///
/// Needs ../shared/datasets; says so and skips without it.
@Suite struct LanguageIDAccuracyTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let shared = root.deletingLastPathComponent().appendingPathComponent("shared/datasets")
    static let sharedIsPresent = FileManager.default.fileExists(atPath: shared.path)

    static func heldOut(limit: Int) throws -> [Language: [String]] {
        let list = try String(
            contentsOf: root.appendingPathComponent("datasets/language-id-sources.txt"),
            encoding: .utf8)
        var corpus = LabelledCorpus()
        for line in list.split(separator: "\n") where !line.hasPrefix("#") {
            var text = String(line)
            text = text.replacingOccurrences(of: "=shared/", with: "=\(shared.path)/")
            text = text.replacingOccurrences(of: "=datasets/", with: "=\(root.path)/datasets/")
            try corpus.add(LabelledCorpus.Source(parsing: text), limit: limit)
        }
        return corpus.heldOut
    }

    @Test(.enabled(if: sharedIsPresent, "../shared/datasets is absent: LID accuracy not measured"))
    func heldOutAccuracyIsAtLeast97Percent() throws {
        let identifier = try LanguageIdentifier.bundled()
        let evaluation = LanguageIDEvaluation(
            identifier: identifier, heldOut: try Self.heldOut(limit: 250), minimumWords: 5)
        let core: [Language] = [.urdu, .sindhi, .pashto, .punjabiShahmukhi, .english, .romanUrdu]
        print("Language-ID confusion on held-out lines (≥ 5 words):\n\(evaluation.table)")
        #expect(evaluation.accuracy(over: core) >= 0.97, "\(evaluation.table)")
        for language in core {
            #expect(evaluation.total(language) >= 20, "too few \(language.code) lines")
        }
    }
}
