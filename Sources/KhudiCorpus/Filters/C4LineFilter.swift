import Foundation
import KhudiText

/// C4's line-level cleanup (Raffel et al.
///
/// 2020; reference/urdu-text.md §4.3), off by default (FineWeb-2 found it hurt): keeps only lines
/// that end in terminal punctuation — here including ۔ and ؟, which C4's set lacks — have at least
/// three words, contain no word over 1,000 characters, and mention neither javascript nor cookie or
/// terms-of-use boilerplate; drops the document for "lorem ipsum" or "{", or when fewer than
/// `minimumSentences` sentences remain.
public struct C4LineFilter: Sendable {
    public var minimumSentences = 5
    static let boilerplate = [
        "javascript", "terms of use", "privacy policy", "cookie policy", "uses cookies",
        "use of cookies", "use cookies",
    ]

    public init() {}

    /// The kept lines, or a rejection of the whole document.
    public func apply(_ text: String) -> Result<(text: String, droppedLines: Int), Rejection> {
        let lower = text.lowercased()
        if lower.contains("lorem ipsum") {
            return .failure(
                Rejection(rule: "c4_lorem_ipsum", value: 1, detail: "contains lorem ipsum"))
        }
        if text.contains("{") {
            return .failure(Rejection(rule: "c4_curly_bracket", value: 1, detail: "contains {"))
        }
        var kept: [Substring] = []
        var dropped = 0
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            let words = WordSplitter.words(trimmed)
            let lowerLine = trimmed.lowercased()
            let endsWell =
                trimmed.last.map { QualityFilters.terminalPunctuation.contains($0) } ?? false
            if !endsWell || trimmed.hasSuffix("...") || words.count < 3
                || words.contains(where: { $0.count > 1_000 })
                || Self.boilerplate.contains(where: lowerLine.contains)
            {
                dropped += 1
            } else {
                kept.append(line)
            }
        }
        let result = kept.joined(separator: "\n")
        let sentences = SentenceSplitter.sentences(result).count
        if sentences < minimumSentences {
            return .failure(
                Rejection(
                    rule: "c4_too_few_sentences", value: Double(sentences),
                    detail: "\(sentences) sentences < \(minimumSentences) after line filtering"))
        }
        return .success((result, dropped))
    }
}
