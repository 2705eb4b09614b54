import Foundation
import KhudiText

/// Why a document was removed: the rule's name (stable, used in reports) and its measured value.
public struct Rejection: Error, Equatable, Sendable {
    public var rule: String
    public var value: Double
    public var detail: String
}

/// Gopher quality and repetition rules and FineWeb's quality rules, computed as datatrove does
/// (reference/urdu-text.md §4.1–4.5) but with Khudi's word splitter (which also splits on
/// newlines and ؟, so FineWeb-2's mean-word-length bounds are generous here).
public struct QualityFilters: Sendable {
    public var gopherQuality = true
    public var gopherRepetition = true
    public var fineWebQuality = true
    public var thresholds: FilterThresholds

    public init(thresholds: FilterThresholds) {
        self.thresholds = thresholds
    }

    static let terminalPunctuation: Set<Character> = ["۔", "؟", "؞", "؝", ".", "?", "!", "\"", "'", "”", "“", "…", ")"]

    /// The first rule `text` fails, or nil when it passes every enabled rule.
    public func check(_ text: String) -> Rejection? {
        let words = WordSplitter.words(text)
        let length = max(1, text.count)
        if gopherRepetition, let rejection = repetition(text, words: words, length: length) { return rejection }
        if gopherQuality, let rejection = quality(text, words: words) { return rejection }
        if fineWebQuality, let rejection = fineWeb(text, words: words) { return rejection }
        return nil
    }

    private func reject(_ rule: String, _ value: Double, _ detail: String) -> Rejection {
        Rejection(rule: rule, value: value, detail: detail)
    }

    func repetition(_ text: String, words: [Substring], length: Int) -> Rejection? {
        let t = thresholds
        let lines = text.split(separator: "\n").filter { !$0.allSatisfy(\.isWhitespace) }
        if !lines.isEmpty {
            let (duplicates, _) = Self.duplicates(lines)
            let fraction = Double(duplicates) / Double(lines.count)
            if fraction > t.duplicateLineFraction {
                return reject("gopher_duplicate_lines", fraction, "duplicated lines \(fraction) > \(t.duplicateLineFraction)")
            }
        }
        for n in t.topNGrams.keys.sorted() where words.count >= n {
            guard let limit = t.topNGrams[n] else { continue }
            // The most frequent n-gram, ties going to the one seen first (as Python's
            // Counter.most_common), so the result never depends on hashing order.
            var counts: [String: Int] = [:]
            var best = ("", 0)
            for i in 0...(words.count - n) {
                let gram = words[i..<(i + n)].joined(separator: " ")
                let count = counts[gram, default: 0] + 1
                counts[gram] = count
                if count > best.1 { best = (gram, count) }
            }
            if best.1 > 0 {
                let top = (key: best.0, value: best.1)
                let fraction = Double(top.key.count * top.value) / Double(length)
                if fraction > limit {
                    return reject("gopher_top_\(n)_gram", fraction, "top \(n)-gram covers \(fraction) > \(limit)")
                }
            }
        }
        for n in t.duplicateNGrams.keys.sorted() where words.count >= n {
            guard let limit = t.duplicateNGrams[n] else { continue }
            var seen = Set<String>()
            var repeated = 0
            var i = 0
            while i <= words.count - n {
                let gram = words[i..<(i + n)].joined()
                if seen.contains(gram) {
                    repeated += gram.count
                    i += n
                } else {
                    seen.insert(gram)
                    i += 1
                }
            }
            let fraction = Double(repeated) / Double(length)
            if fraction > limit {
                return reject("gopher_duplicate_\(n)_grams", fraction, "repeated \(n)-grams cover \(fraction) > \(limit)")
            }
        }
        return nil
    }

    func quality(_ text: String, words: [Substring]) -> Rejection? {
        let t = thresholds
        if words.count < t.minimumWords || words.count > t.maximumWords {
            return reject("gopher_word_count", Double(words.count), "\(words.count) words outside \(t.minimumWords)…\(t.maximumWords)")
        }
        let meanLength = Double(words.reduce(0) { $0 + $1.count }) / Double(max(1, words.count))
        if meanLength < t.minimumMeanWordLength || meanLength > t.maximumMeanWordLength {
            return reject("gopher_mean_word_length", meanLength, "mean word length \(meanLength) outside \(t.minimumMeanWordLength)…\(t.maximumMeanWordLength)")
        }
        let hashes = Double(text.filter { $0 == "#" }.count) / Double(words.count)
        if hashes > 0.1 { return reject("gopher_hash_ratio", hashes, "'#' per word \(hashes) > 0.1") }
        let ellipses = Double(text.components(separatedBy: "...").count - 1 + text.filter { $0 == "…" }.count)
            / Double(words.count)
        if ellipses > 0.1 { return reject("gopher_ellipsis_ratio", ellipses, "ellipses per word \(ellipses) > 0.1") }
        let lines = text.split(separator: "\n")
        if !lines.isEmpty {
            let bullets = Double(lines.filter { $0.drop(while: \.isWhitespace).first.map { "•-".contains($0) } ?? false }.count)
                / Double(lines.count)
            if bullets > 0.9 { return reject("gopher_bullet_lines", bullets, "bullet lines \(bullets) > 0.9") }
            let trailing = Double(lines.filter { $0.hasSuffix("...") || $0.hasSuffix("…") }.count) / Double(lines.count)
            if trailing > 0.3 { return reject("gopher_ellipsis_lines", trailing, "lines ending in an ellipsis \(trailing) > 0.3") }
        }
        let alphabetic = Double(words.filter(WordSplitter.isAlphabetic).count) / Double(words.count)
        if alphabetic < t.alphabeticWords {
            return reject("gopher_alphabetic_words", alphabetic, "words with a letter \(alphabetic) < \(t.alphabeticWords)")
        }
        if !t.stopWords.isEmpty {
            let stop = Set(t.stopWords)
            // "،" is a FineWeb-2 stop word but a separator for Khudi's splitter: count it apart.
            var found = Set(words.lazy.map(String.init).filter { stop.contains($0) })
            if stop.contains("،") && text.contains("،") { found.insert("،") }
            if found.count < t.minimumStopWords {
                return reject("gopher_stop_words", Double(found.count), "\(found.count) distinct stop words < \(t.minimumStopWords)")
            }
        }
        return nil
    }

    func fineWeb(_ text: String, words: [Substring]) -> Rejection? {
        let t = thresholds
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !lines.isEmpty else { return reject("fineweb_empty", 0, "no non-empty line") }
        if t.linePunctuation > 0 {
            let ending = Double(lines.filter { $0.last.map(Self.terminalPunctuation.contains) ?? false }.count) / Double(lines.count)
            if ending < t.linePunctuation {
                return reject("fineweb_line_punctuation", ending, "lines ending in punctuation \(ending) < \(t.linePunctuation)")
            }
        }
        if t.shortLines <= 1 {
            let short = Double(lines.filter { $0.count <= 30 }.count) / Double(lines.count)
            if short > t.shortLines { return reject("fineweb_short_lines", short, "short lines \(short) > \(t.shortLines)") }
        }
        let (_, duplicateCharacters) = Self.duplicates(lines.map { Substring($0) })
        let characters = max(1, text.count - text.filter { $0 == "\n" }.count)
        let ratio = Double(duplicateCharacters) / Double(characters)
        if ratio > t.characterDuplicates {
            return reject("fineweb_character_duplicates", ratio, "characters in duplicated lines \(ratio) > \(t.characterDuplicates)")
        }
        let newLines = Double(text.filter { $0 == "\n" }.count) / Double(max(1, words.count))
        if newLines > t.newLineRatio {
            return reject("fineweb_new_line_ratio", newLines, "newlines per word \(newLines) > \(t.newLineRatio)")
        }
        return nil
    }

    /// Repeated elements and their characters, counting every repeat after the first.
    static func duplicates(_ elements: [Substring]) -> (count: Int, characters: Int) {
        var seen = Set<Substring>()
        var count = 0
        var characters = 0
        for element in elements where !seen.insert(element).inserted {
            count += 1
            characters += element.count
        }
        return (count, characters)
    }
}
