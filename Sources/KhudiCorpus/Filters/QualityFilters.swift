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

    static let terminalPunctuation: Set<Character> = [
        "۔", "؟", "؞", "؝", ".", "?", "!", "\"", "'", "”", "“", "…", ")",
    ]

    /// The first rule `text` fails, or nil when it passes every enabled rule.
    public func check(_ text: String) -> Rejection? {
        check(text, census: TextCensus(text))
    }

    /// `check(_:)` with the text's census already taken (the pipeline takes it for its length
    /// rule), so the bytes are counted once.
    public func check(_ text: String, census: TextCensus) -> Rejection? {
        check(text, census: census, words: Self.hashedWords(text))
    }

    /// `check(_:census:)` with the text's words already formed (the pipeline forms them in the
    /// pass that also simplifies them for near-duplicate detection).
    func check(_ text: String, census: TextCensus, words hashed: [HashedWord]) -> Rejection? {
        let length = max(1, census.scalars)
        let lines = Self.lines(text)
        // Both Gopher's duplicate-line rule and FineWeb's duplicate-character rule read these.
        let duplicateLines = Self.duplicates(lines)
        if gopherRepetition,
            let rejection = repetition(
                words: hashed, length: length, lines: lines.count,
                duplicateLines: duplicateLines.count)
        {
            return rejection
        }
        if gopherQuality,
            let rejection = quality(census, hashed: hashed, lines: lines)
        {
            return rejection
        }
        if fineWebQuality,
            let rejection = fineWeb(
                census, words: hashed, lines: lines, length: length,
                duplicateCharacters: duplicateLines.characters)
        {
            return rejection
        }
        return nil
    }

    /// Code points in UTF-8 `bytes`: the bytes that do not continue a sequence (the text is
    /// valid UTF-8, being a String), without decoding a scalar.
    @inline(__always) static func scalarCount<C: Collection>(_ bytes: C) -> Int
    where C.Element == UInt8 {
        func count<S: Sequence>(_ bytes: S) -> Int where S.Element == UInt8 {
            var count = 0
            for byte in bytes where byte & 0xC0 != 0x80 { count += 1 }
            return count
        }
        return bytes.withContiguousStorageIfAvailable { count($0) } ?? count(bytes)
    }

    private func reject(_ rule: String, _ value: Double, _ detail: String) -> Rejection {
        Rejection(rule: rule, value: value, detail: detail)
    }

    /// A word reduced to what the repetition rules need: a 64-bit hash of its scalars
    /// (n-grams compare as combined hashes, never as joined strings, which would be hashed with
    /// Unicode normalization and dominate the run time) and its length in code points.
    struct HashedWord: Equatable {
        var hash: UInt64
        var length: Int
        /// Whether the word holds a letter (`WordSplitter.isAlphabetic`).
        var hasLetter = false
    }

    static func hashed(_ words: [Substring]) -> [HashedWord] {
        words.map { word in
            let bytes = word.utf8
            return HashedWord(
                hash: ByteHash.scalars(word), length: scalarCount(bytes),
                hasLetter: WordSplitter.isAlphabetic(word))
        }
    }

    /// `hashed(WordSplitter.words(text))` in one pass over the scalars: each word's scalar
    /// hash, length and letter flag are formed as it is read, with no Substring made.
    static func hashedWords(_ text: String) -> [HashedWord] {
        var words = WordHashing(bytes: text.utf8.count)
        text.withScalarValues { scalars in
            while let v = scalars.next() { words.add(v) }
        }
        return words.finish()
    }

    /// The words of `hashedWords` formed one scalar at a time, for the passes that read the
    /// scalars themselves (`hashedWords`, and `DocumentWords`, which simplifies them for
    /// near-duplicate detection in the same pass).
    struct WordHashing {
        private(set) var words: [HashedWord] = []
        private var word = HashedWord(hash: ByteHash.offset, length: 0)
        private let table = QualityFilters.kindTable

        /// Room for the words of a text of `bytes` UTF-8 bytes, so that the list seldom grows
        /// (growing it copied it: half a percent of a cleaning run).
        init(bytes: Int = 0) {
            words.reserveCapacity(DocumentWords.expectedWords(bytes: bytes))
        }

        @inline(__always) mutating func add(_ v: UInt32) {
            let kind = table[v] ?? QualityFilters.kind(of: Unicode.Scalar(v) ?? "\u{FFFD}")
            if kind == .separator {
                if word.length > 0 { words.append(word) }
                word = HashedWord(hash: ByteHash.offset, length: 0)
                return
            }
            word.hash = ByteHash.appendingValue(v, to: word.hash)
            word.length += 1
            if kind == .letter { word.hasLetter = true }
        }

        /// The words, the last one included.
        mutating func finish() -> [HashedWord] {
            if word.length > 0 { words.append(word) }
            word = HashedWord(hash: ByteHash.offset, length: 0)
            return words
        }
    }

    /// What a scalar is to the word splitter: a separator, a letter, or another part of a word.
    enum ScalarKind: UInt8 {
        case separator, letter, other
    }

    static func kind(of scalar: Unicode.Scalar) -> ScalarKind {
        if WordSplitter.isSeparator(scalar.value) { return .separator }
        return WordSplitter.isLetter(scalar) ? .letter : .other
    }

    /// `kind(of:)` for ASCII and the Arabic block, looked up instead of tested (the word pass
    /// asks it of every scalar of every document).
    fileprivate static let kindTable = ScalarTable(kind)

    /// The hashes of every n-gram of some words, for one n at a time: `hashes[i]` is the
    /// order-sensitive hash of words[i..<i+n].
    ///
    /// Moving to n + 1 folds one more word into each hash, so a document's passes over n = 2…10
    /// cost one step per word and n, where hashing each gram afresh cost n steps.
    struct GramHashes {
        private let words: [HashedWord]
        private(set) var hashes: [UInt64]
        private(set) var n = 1

        init(_ words: [HashedWord]) {
            self.words = words
            hashes = words.map { Self.step(Self.seed, $0.hash) }
        }

        private static let seed: UInt64 = 0x9E37_79B9_7F4A_7C15

        @inline(__always) private static func step(_ h: UInt64, _ word: UInt64) -> UInt64 {
            (h ^ word) &* 0x0000_0100_0000_01B3 &+ 0x632B_E59B_D9B4_E019
        }

        /// Makes `hashes` those of the `target`-grams (at least one word; starting over when
        /// `target` is below the current n).
        mutating func advance(to target: Int) {
            if target < n { self = GramHashes(words) }
            while n < target && n < words.count {
                for i in 0..<(words.count - n) {
                    hashes[i] = Self.step(hashes[i], words[i + n].hash)
                }
                n += 1
            }
        }
    }

    func repetition(
        words: [HashedWord], length: Int, lines: Int, duplicateLines: Int
    ) -> Rejection? {
        let t = thresholds
        if lines > 0 {
            let fraction = Double(duplicateLines) / Double(lines)
            if fraction > t.duplicateLineFraction {
                return reject(
                    "gopher_duplicate_lines", fraction,
                    "duplicated lines \(fraction) > \(t.duplicateLineFraction)")
            }
        }
        var grams = GramHashes(words)
        // One table for every n, emptied each time.
        var counts = HashCounter(capacity: words.count)
        // No n-gram occurs more often than the most frequent shorter gram counted (each
        // occurrence starts with one of that gram's), so when that count times the longest
        // n-gram's characters stays within the limit, the rule passes without counting (half
        // of the top-n passes on Maḵẖzan: a quarter of the repetition rules' time).
        var mostFrequent = words.count
        for n in t.topNGrams.keys.sorted() where words.count >= n && n > 0 {
            guard let limit = t.topNGrams[n] else { continue }
            let bound = Double(Self.longestGram(words, n) * mostFrequent) / Double(length)
            if bound <= limit { continue }
            grams.advance(to: n)
            // The most frequent n-gram, ties going to the one seen first (as Python's
            // Counter.most_common), so the result never depends on hashing order. Its length
            // counts the spaces between its words, as datatrove's joined n-gram does.
            counts.removeAll()
            var best = (start: 0, count: 0)
            for i in 0...(words.count - n) {
                let count = counts.increment(grams.hashes[i])
                if count > best.count { best = (i, count) }
            }
            mostFrequent = best.count
            if best.count > 0 {
                let characters = words[best.start..<(best.start + n)].reduce(n - 1) {
                    $0 + $1.length
                }
                let fraction = Double(characters * best.count) / Double(length)
                if fraction > limit {
                    return reject(
                        "gopher_top_\(n)_gram", fraction,
                        "top \(n)-gram covers \(fraction) > \(limit)")
                }
            }
        }
        for n in t.duplicateNGrams.keys.sorted() where words.count >= n && n > 0 {
            guard let limit = t.duplicateNGrams[n] else { continue }
            grams.advance(to: n)
            counts.removeAll()
            var repeated = 0
            var i = 0
            while i <= words.count - n {
                if counts.increment(grams.hashes[i]) == 1 {
                    i += 1
                } else {
                    repeated += words[i..<(i + n)].reduce(0) { $0 + $1.length }
                    i += n
                }
            }
            let fraction = Double(repeated) / Double(length)
            if fraction > limit {
                return reject(
                    "gopher_duplicate_\(n)_grams", fraction,
                    "repeated \(n)-grams cover \(fraction) > \(limit)")
            }
            // No n-gram occurs twice, so no longer one does either (each holds an n-gram): the
            // larger n all measure 0 and pass (unless a limit is below 0). Most documents stop
            // here after n = 5, sparing five of the rules' nine passes.
            if repeated == 0 && t.duplicateNGrams.values.allSatisfy({ $0 >= 0 }) { break }
        }
        return nil
    }

    /// The characters of the longest n-gram of `words`, counting the spaces between them.
    static func longestGram(_ words: [HashedWord], _ n: Int) -> Int {
        var window = words[..<n].reduce(n - 1) { $0 + $1.length }
        var longest = window
        for i in n..<words.count {
            window += words[i].length - words[i - n].length
            longest = max(longest, window)
        }
        return longest
    }

    func quality(_ census: TextCensus, hashed words: [HashedWord], lines: [Substring]) -> Rejection?
    {
        let t = thresholds
        if words.count < t.minimumWords || words.count > t.maximumWords {
            return reject(
                "gopher_word_count", Double(words.count),
                "\(words.count) words outside \(t.minimumWords)…\(t.maximumWords)")
        }
        let meanLength = Double(words.reduce(0) { $0 + $1.length }) / Double(max(1, words.count))
        if meanLength < t.minimumMeanWordLength || meanLength > t.maximumMeanWordLength {
            return reject(
                "gopher_mean_word_length", meanLength,
                "mean word length \(meanLength) outside \(t.minimumMeanWordLength)…\(t.maximumMeanWordLength)"
            )
        }
        let hashes = Double(census.numberSigns) / Double(words.count)
        if hashes > 0.1 {
            return reject("gopher_hash_ratio", hashes, "'#' per word \(hashes) > 0.1")
        }
        let ellipses = Double(census.ellipses) / Double(words.count)
        if ellipses > 0.1 {
            return reject("gopher_ellipsis_ratio", ellipses, "ellipses per word \(ellipses) > 0.1")
        }
        if !lines.isEmpty {
            let bullets =
                Double(
                    lines.count(where: {
                        $0.unicodeScalars.first.map { $0 == "•" || $0 == "-" } ?? false
                    }))
                / Double(lines.count)
            if bullets > 0.9 {
                return reject("gopher_bullet_lines", bullets, "bullet lines \(bullets) > 0.9")
            }
            let trailing =
                Double(lines.count(where: { Self.endsWithEllipsis($0.utf8) })) / Double(lines.count)
            if trailing > 0.3 {
                return reject(
                    "gopher_ellipsis_lines", trailing,
                    "lines ending in an ellipsis \(trailing) > 0.3")
            }
        }
        let alphabetic = Double(words.count(where: \.hasLetter)) / Double(words.count)
        if alphabetic < t.alphabeticWords {
            return reject(
                "gopher_alphabetic_words", alphabetic,
                "words with a letter \(alphabetic) < \(t.alphabeticWords)")
        }
        if !t.stopWords.isEmpty {
            let found = Self.distinctStopWords(
                words, hasArabicComma: census.hasArabicComma, stopWords: t.stopWords,
                enough: t.minimumStopWords)
            if found < t.minimumStopWords {
                return reject(
                    "gopher_stop_words", Double(found),
                    "\(found) distinct stop words < \(t.minimumStopWords)")
            }
        }
        return nil
    }

    func fineWeb(
        _ census: TextCensus, words: [HashedWord], lines: [Substring], length: Int,
        duplicateCharacters: Int
    ) -> Rejection? {
        let t = thresholds
        guard !lines.isEmpty else { return reject("fineweb_empty", 0, "no non-empty line") }
        if t.linePunctuation > 0 {
            let ending =
                Double(
                    lines.count(where: {
                        $0.unicodeScalars.last.map { Self.terminalScalars.contains($0.value) }
                            ?? false
                    }))
                / Double(lines.count)
            if ending < t.linePunctuation {
                return reject(
                    "fineweb_line_punctuation", ending,
                    "lines ending in punctuation \(ending) < \(t.linePunctuation)")
            }
        }
        if t.shortLines <= 1 {
            let short =
                Double(lines.count(where: { Self.scalarCount($0.utf8) <= 30 }))
                / Double(lines.count)
            if short > t.shortLines {
                return reject(
                    "fineweb_short_lines", short, "short lines \(short) > \(t.shortLines)")
            }
        }
        let newLineCount = census.newlines
        let characters = max(1, length - newLineCount)
        let ratio = Double(duplicateCharacters) / Double(characters)
        if ratio > t.characterDuplicates {
            return reject(
                "fineweb_character_duplicates", ratio,
                "characters in duplicated lines \(ratio) > \(t.characterDuplicates)")
        }
        let newLines = Double(newLineCount) / Double(max(1, words.count))
        if newLines > t.newLineRatio {
            return reject(
                "fineweb_new_line_ratio", newLines,
                "newlines per word \(newLines) > \(t.newLineRatio)")
        }
        return nil
    }

    /// How many distinct `stopWords` occur among `words` (plus "،" when the text has it),
    /// counting stops once `enough` are found (the rule only asks whether there are that many).
    ///
    /// Words compare by the hash of their scalars, as the repetition rules do (a String set would
    /// hash every word with Unicode normalization), looked up by binary search in the sorted
    /// stop-word hashes (a Set hashed each word again with SipHash).
    static func distinctStopWords(
        _ words: [HashedWord], hasArabicComma: Bool, stopWords: [String], enough: Int
    ) -> Int {
        let stop = Array(Set(stopWords.map { ByteHash.scalars($0) })).sorted()
        var seen = [Bool](repeating: false, count: stop.count)
        var found = 0
        func note(_ hash: UInt64) {
            var (low, high) = (0, stop.count)
            while low < high {
                let middle = (low + high) / 2
                if stop[middle] < hash { low = middle + 1 } else { high = middle }
            }
            if low < stop.count, stop[low] == hash, !seen[low] {
                seen[low] = true
                found += 1
            }
        }
        for word in words where found < enough { note(word.hash) }
        // "،" is a FineWeb-2 stop word but a separator for Khudi's splitter: count it apart.
        if found < enough, hasArabicComma { note(ByteHash.scalars("،")) }
        return found
    }

    /// Terminal punctuation as scalar values (the Character set above, for the byte-level paths).
    static let terminalScalars: Set<UInt32> = [
        0x06D4, 0x061F, 0x061E, 0x061D, 0x2E, 0x3F, 0x21, 0x22, 0x27, 0x201D, 0x201C, 0x2026, 0x29,
    ]

    /// The document's lines, trimmed of spaces, tabs and carriage returns, empty ones dropped;
    /// found on the UTF-8 bytes (Character-level splitting would run grapheme breaking over the
    /// whole text, and the UTF-8 view's generic `split` stepped one index at a time).
    static func lines(_ text: String) -> [Substring] {
        let lines = text.lineOffsets()
        var trimmed: [Range<Int>] = []
        trimmed.reserveCapacity(lines.count)
        var bytes = text
        bytes.withUTF8 { bytes in
            func isBlank(_ offset: Int) -> Bool {
                bytes[offset] == 0x20 || bytes[offset] == 0x09 || bytes[offset] == 0x0D
            }
            for var range in lines {
                while let first = range.first, isBlank(first) {
                    range = (first + 1)..<range.upperBound
                }
                while let last = range.last, isBlank(last) { range = range.lowerBound..<last }
                if !range.isEmpty { trimmed.append(range) }
            }
        }
        return trimmed.map { text.substring(utf8Offsets: $0) }
    }

    static func endsWithEllipsis(_ bytes: Substring.UTF8View) -> Bool {
        let tail = Array(bytes.suffix(3))
        return tail == [0x2E, 0x2E, 0x2E] || tail == [0xE2, 0x80, 0xA6]
    }

    /// Repeated elements and their characters, counting every repeat after the first.
    static func duplicates(_ elements: [Substring]) -> (count: Int, characters: Int) {
        var seen = HashCounter(capacity: elements.count)
        var count = 0
        var characters = 0
        for element in elements {
            if seen.increment(ByteHash.pairFirst(element)) > 1 {
                count += 1
                characters += scalarCount(element.utf8)
            }
        }
        return (count, characters)
    }
}
