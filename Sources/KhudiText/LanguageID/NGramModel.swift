import Foundation

/// A character n-gram language model per language (naive Bayes over n-grams of orders 1…4
/// within each word padded with spaces, so that word starts and ends, and thus function
/// words, count).
///
/// Trained by `NGramModel.train` from text per language; stored as a small text file
/// (`serialized()`): a header line, then one `language<TAB>gram<TAB>log-probability` line per
/// kept n-gram and one `language<TAB><TAB>unseen-log-probability` line per language.
public struct NGramModel: Sendable {
    public static let formatLine = "khudi-language-id/1"
    public static let orders = 1...4

    /// Log P(gram | language) for the kept grams, as read or trained (a list, not a String
    /// dictionary: hashing 35,000 Urdu grams with Unicode normalization was most of loading
    /// the bundled model; lookups go through `lookup`).
    var logProbabilities: [Language: [KeptGram]]
    /// Log-probability of a gram a language never kept.
    var unseen: [Language: Float]
    let lookup: Lookup

    /// Languages the model knows, in `Language.allCases` order (kept: every line's decision
    /// asks for them, and filtering the cases through the dictionary each time cost 1% of a
    /// cleaning run).
    public let languages: [Language]

    /// The text a model sees: script-normalized, Latin lower-cased, everything that is not a
    /// letter or combining mark turned into a space, spaces collapsed, padded with one space.
    public static func features(of text: String) -> String {
        var output = String.UnicodeScalarView()
        output.append(
            contentsOf: featureScalars(of: text).compactMap(Unicode.Scalar.init))
        return String(output)
    }

    /// `features(of:)` as scalar values, what scoring reads (building a String scalar by
    /// scalar cost more than the scoring itself).
    ///
    /// The buffer is sized by the UTF-8 length, an upper bound known without a pass (a scalar
    /// view's `underestimatedCount` counts every scalar: 2% of a cleaning run).
    static func featureScalars<S: StringProtocol>(of text: S) -> [UInt32] {
        featureScalars(of: text) { _, _ in }
    }

    /// `featureScalars(of:)`, showing `observe` every scalar of `text` on the way (language
    /// identification counts its script profile in the same pass: two passes decoded every
    /// line twice).
    @inline(__always) static func featureScalars<S: StringProtocol>(
        of text: S, observing observe: (UInt32, Unicode.Scalar) -> Void
    ) -> [UInt32] {
        featureWords(of: text, observing: observe).scalars
    }

    /// A featurized word: the key `totalVector` looks its window up by (FNV-1a of the space
    /// before it and its scalars) and the offset of the space after it.
    struct FeatureWord: Equatable {
        var key: UInt64
        var end: Int
    }

    /// The FNV-1a state of a word window's leading space, where every word key starts.
    static let wordKeyStart = step(fnvBasis, 0x20)

    /// `featureScalars(of:observing:)` with its words, each keyed as it is written: scoring
    /// read the scalars again to find the words and hash them, stopping at every word's end.
    @inline(__always) static func featureWords<S: StringProtocol>(
        of text: S, observing observe: (UInt32, Unicode.Scalar) -> Void
    ) -> (scalars: [UInt32], words: [FeatureWord]) {
        let table = Self.featureTable
        var words: [FeatureWord] = []
        words.reserveCapacity(text.utf8.count / 8 + 4)
        // At most one feature per scalar and one space between: the UTF-8 length plus the two
        // padding spaces bounds it.
        let scalars = [UInt32](unsafeUninitializedCapacity: text.utf8.count + 2) {
            output, count in
            output[0] = 0x20
            var written = 1
            var lastWasSpace = true
            var key = Self.wordKeyStart
            text.withScalarValues { scalars in
                while let v = scalars.next() {
                    let scalar = Unicode.Scalar(v) ?? "\u{FFFD}"
                    observe(v, scalar)
                    if table[v] ?? Self.isFeature(scalar) {
                        let feature = (0x41...0x5A).contains(v) ? v + 32 : v
                        output[written] = feature
                        key = Self.step(key, feature)
                        written += 1
                        lastWasSpace = false
                    } else if !lastWasSpace {
                        output[written] = 0x20
                        words.append(FeatureWord(key: key, end: written))
                        key = Self.wordKeyStart
                        written += 1
                        lastWasSpace = true
                    }
                }
            }
            if !lastWasSpace {
                output[written] = 0x20
                words.append(FeatureWord(key: key, end: written))
                written += 1
            }
            count = written
        }
        return (scalars, words)
    }

    /// Whether the model reads `scalar` (a letter or a combining mark) rather than a space.
    static func isFeature(_ scalar: Unicode.Scalar) -> Bool {
        ScalarClass.isArabicMark(scalar.value) || WordSplitter.isLetter(scalar)
    }

    /// `isFeature` for ASCII and for the Arabic block, looked up instead of tested (one load
    /// per scalar where the range tests took a fifth of the featurizer's time).
    private static let featureTable = ScalarTable(isFeature)

    /// Calls `body` for every gram the model reads in already-featurized text, as scalars:
    /// each word's grams of orders 1…4 within its window " word ", but the lone spaces.
    ///
    /// Grams that reach across a space into the next word ("a b", "a bc", "ya b" for "…ya
    /// bc…") are not read, as fastText reads character n-grams within words: they were three
    /// table lookups a word that no cache could hold (a third of language identification),
    /// and the model trained without them identifies the held-out lines about as well
    /// (datasets/language-id.md).
    static func forEachGram(_ features: String, _ body: (ArraySlice<Unicode.Scalar>) -> Void) {
        let scalars = Array(features.unicodeScalars)
        // scalars[0] is a space, words are separated by one space and the last scalar is a
        // space: a word's window runs from the space before it to the space at `end`.
        var start = 1
        while start < scalars.count {
            var end = start
            while scalars[end] != " " { end += 1 }
            for order in orders where end - start + 2 >= order {
                for first in (start - 1)...(end + 1 - order) {
                    if order == 1 && scalars[first] == " " { continue }
                    body(scalars[first..<(first + order)])
                }
            }
            start = end + 1
        }
    }

    /// FNV-1a over a gram's scalar values: the key grams are looked up by.
    @inline(__always) static func hash<S: Sequence>(_ gram: S) -> UInt64 where S.Element == UInt32 {
        gram.reduce(fnvBasis, step)
    }

    static let fnvBasis: UInt64 = 0xCBF2_9CE4_8422_2325

    /// One FNV-1a step: `h` extended by the scalar value `v`.
    @inline(__always) static func step(_ h: UInt64, _ v: UInt32) -> UInt64 {
        (h ^ UInt64(v)) &* 0x0000_0100_0000_01B3
    }

    /// Probability given to a gram a language did not keep, the same for every language so a
    /// small training corpus gets no advantage on unknown grams (per-language add-α smoothing
    /// would give the smallest corpus the mildest penalty and let it win everything unknown).
    public static let unseenProbability = 1e-6

    /// Trains from `corpus` (language → texts), keeping the `keep` most frequent grams per
    /// language with their relative frequencies (floored at `unseenProbability`).
    public static func train(_ corpus: [Language: [String]], keep: Int = 4_000) -> NGramModel {
        var logProbabilities: [Language: [KeptGram]] = [:]
        var unseen: [Language: Float] = [:]
        for (language, texts) in corpus {
            var counts: [String: Int] = [:]
            var total = 0
            for text in texts {
                forEachGram(features(of: text)) { gram in
                    var key = String.UnicodeScalarView()
                    key.append(contentsOf: gram)
                    counts[String(key), default: 0] += 1
                    total += 1
                }
            }
            let kept = counts.sorted {
                $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key
            }
            .prefix(keep)
            logProbabilities[language] = kept.map {
                KeptGram(
                    gram: $0.key,
                    logProbability: Float(
                        log(max(Double($0.value) / Double(max(total, 1)), unseenProbability))))
            }
            unseen[language] = Float(log(unseenProbability))
        }
        return NGramModel(logProbabilities: logProbabilities, unseen: unseen)
    }

    /// Average log-likelihood per gram of `text` under each language, best first.
    public func scores(_ text: String, among candidates: [Language]? = nil) -> [(Language, Float)] {
        var cache = WordScoreCache(capacity: 0)
        let (totals, grams) = totals(Self.featureScalars(of: text), cache: &cache)
        return ranked(totals, grams: grams, among: candidates ?? languages)
    }

    /// Summed log-likelihoods of already-featurized text under every language (in
    /// `lookupLanguages` order) and the number of grams.
    ///
    /// The grams are those of `forEachGram`, taken word by word: each word's window " word "
    /// is summed once per distinct word, through `cache`. Only the order of the additions
    /// differs from counting gram by gram, and it is the same with or without a cache.
    func totals(
        _ scalars: [UInt32], cache: inout WordScoreCache
    ) -> (totals: [Float], grams: Int) {
        let (totals, grams) = totalVector(scalars, cache: &cache)
        return ((0..<lookup.languages.count).map { totals[$0] }, grams)
    }

    /// `totals` as one vector, lane j for `lookupLanguages[j]` and 0 past them: what a line's
    /// decision keeps and a document adds up, without an array per line.
    func totalVector(
        _ scalars: [UInt32], cache: inout WordScoreCache
    ) -> (totals: SIMD16<Float>, grams: Int) {
        // The word scan below reads up to the closing space without a bounds check.
        precondition(
            scalars.first == 0x20 && scalars.last == 0x20, "totals reads featureScalars output")
        return totalVector(scalars, words: Self.words(of: scalars), cache: &cache)
    }

    /// The words of featurized `scalars`, found and keyed by reading them again (what
    /// `featureWords` gives as it writes them).
    static func words(of scalars: [UInt32]) -> [FeatureWord] {
        // s[0] is a space, words are separated by one space, and the last scalar is a space:
        // a word runs from `start` up to the space at `end`.
        var words: [FeatureWord] = []
        var start = 1
        while start < scalars.count {
            var end = start
            var key = wordKeyStart
            while scalars[end] != 0x20 {
                key = step(key, scalars[end])
                end += 1
            }
            words.append(FeatureWord(key: key, end: end))
            start = end + 1
        }
        return words
    }

    /// `totalVector` of featurized text whose words `featureWords` found and keyed.
    func totalVector(
        _ scalars: [UInt32], words: [FeatureWord], cache: inout WordScoreCache
    ) -> (totals: SIMD16<Float>, grams: Int) {
        // The windows below are read without bounds checks, up to each word's closing space.
        precondition(
            scalars.first == 0x20 && (words.last?.end ?? 0) < scalars.count,
            "totalVector reads featureWords output")
        let width = lookup.languages.count
        let table = lookup.table
        var grams = 0
        var unseenGrams = 0
        var total = SIMD16<Float>()
        scalars.withUnsafeBufferPointer { s in
            table.withSlots { slots in
                // Each word runs from the scalar after the space before it to the space at
                // `end` (s[0] is a space, and words are separated by one).
                var start = 1
                for word in words {
                    let end = word.end
                    let letters = end - start
                    let (sum, unseen) = cache.window(word.key, letters: letters) {
                        windowScores(s, from: start - 1, through: end, slots: slots)
                    }
                    total += sum
                    unseenGrams += unseen
                    grams += Self.windowGrams(letters: letters)
                    start = end + 1
                }
            }
        }
        // Grams no language kept all score the unseen row: added once, times their count
        // (lane by lane, as the sums above: the same bits as adding per language).
        var totals = SIMD16<Float>()
        for j in 0..<width { totals[j] = total[j] + lookup.unseen[j] * Float(unseenGrams) }
        return (totals, grams)
    }

    /// The summed scores of the grams in the window s[first...last] (a word with its two
    /// spaces) and how many of them no language kept.
    private func windowScores(
        _ s: UnsafeBufferPointer<UInt32>, from first: Int, through last: Int,
        slots: GramScoreTable.Slots
    ) -> (SIMD16<Float>, Int) {
        var sum = SIMD16<Float>()
        var unseen = 0
        for start in first...last {
            var h = Self.fnvBasis
            for order in Self.orders where start + order - 1 <= last {
                h = Self.step(h, s[start + order - 1])
                if order == 1 && s[start] == 0x20 { continue }
                if !lookup.table.add(h, to: &sum, slots: slots) { unseen += 1 }
            }
        }
        return (sum, unseen)
    }

    /// Grams of orders 1…4 in the window of a word of `letters` letters, less its two spaces.
    static func windowGrams(letters: Int) -> Int {
        let length = letters + 2
        return orders.reduce(0) { $0 + max(0, length - $1 + 1) } - 2
    }

    /// The languages of the lookup table, in the order `totals` uses.
    var lookupLanguages: [Language] { lookup.languages }

    /// Candidates ranked by average log-likelihood per gram, best first (ties by code).
    func ranked(
        _ totals: SIMD16<Float>, grams: Int, among candidates: [Language]
    )
        -> [(Language, Float)]
    {
        let divisor = Float(max(grams, 1))
        var ranked: [(Language, Float)] = []
        ranked.reserveCapacity(candidates.count)
        for language in candidates {
            if let lane = lookup.languages.firstIndex(of: language) {
                ranked.append((language, totals[lane] / divisor))
            }
        }
        ranked.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.code < $1.0.code }
        return ranked
    }

    /// `ranked` over totals as an array (one per lookup language).
    func ranked(_ totals: [Float], grams: Int, among candidates: [Language]) -> [(Language, Float)]
    {
        var vector = SIMD16<Float>()
        for (lane, total) in totals.enumerated() { vector[lane] = total }
        return ranked(vector, grams: grams, among: candidates)
    }

    /// The grams hashed into one table whose rows hold every language's log-probability (a
    /// language that did not keep a gram gets its unseen value), for one lookup per gram.
    struct Lookup: Sendable {
        var languages: [Language]
        var table: GramScoreTable
        var unseen: [Float]
    }

    static func makeLookup(
        _ logProbabilities: [Language: [KeptGram]], _ unseen: [Language: Float]
    ) -> Lookup {
        let languages = Language.allCases.filter { logProbabilities[$0] != nil }
        let unseenRow = languages.map { unseen[$0] ?? -20 }
        var index: [UInt64: Int] = [:]
        var values: [Float] = []
        for (j, language) in languages.enumerated() {
            // A gram listed twice keeps its last value, as a file read into a dictionary did.
            for kept in logProbabilities[language] ?? [] {
                let key = hash(kept.gram.unicodeScalars.map(\.value))
                let row: Int
                if let existing = index[key] {
                    row = existing
                } else {
                    row = index.count
                    index[key] = row
                    values += unseenRow
                }
                values[row * languages.count + j] = kept.logProbability
            }
        }
        return Lookup(
            languages: languages,
            table: GramScoreTable(index: index, values: values, width: languages.count),
            unseen: unseenRow)
    }

    /// The model as text (see the type's documentation).
    public func serialized() -> String {
        var lines = [Self.formatLine]
        for language in languages {
            lines.append("\(language.code)\t\t\(unseen[language] ?? -20)")
            for kept in (logProbabilities[language] ?? []).sorted(by: { $0.gram < $1.gram }) {
                lines.append("\(language.code)\t\(kept.gram)\t\(kept.logProbability)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Reads a model written by `serialized()`.
    ///
    /// Read as bytes in one pass (the bundled model is 38,000 lines, read by every
    /// `khudi-clean` run and every `identify` filter): splitting it into arrays of Substrings
    /// and naming each line's language afresh took a third of a one-line `identify`.
    public init(serialized text: String) throws {
        var text = text
        let (logProbabilities, unseen) = try text.withUTF8 { try Self.parse($0) }
        self.init(logProbabilities: logProbabilities, unseen: unseen)
    }

    /// The kept grams and unseen rows read from a model file's bytes.
    ///
    /// The file is the header line, then lines of language code, gram (empty for the unseen
    /// row) and log-probability separated by tabs. Empty lines are skipped; errors name the
    /// line (counting every line from 1).
    private static func parse(
        _ bytes: UnsafeBufferPointer<UInt8>
    ) throws -> ([Language: [KeptGram]], [Language: Float]) {
        var logProbabilities: [Language: [KeptGram]] = [:]
        var unseen: [Language: Float] = [:]
        // Lines of one language come together: the last code read and its language are kept,
        // so a line's code is compared, not looked up.
        var lastCode = ""
        var language: Language?
        var sawHeader = false
        let missingHeader = LanguageIDError.badModel("missing header \(formatLine)")
        var number = 0
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            number += 1
            defer { start = end + 1 }
            guard end > start else { continue }
            let line = UnsafeBufferPointer(rebasing: bytes[start..<end])
            guard sawHeader else {
                guard String(decoding: line, as: UTF8.self) == formatLine else {
                    throw missingHeader
                }
                sawHeader = true
                continue
            }
            // Built only when thrown, not formatted for each of the file's 38,000 lines.
            func malformed() -> LanguageIDError {
                .badModel("line \(number): expected language, gram, log-probability")
            }
            guard let firstTab = line.firstIndex(of: 0x09),
                let secondTab = line[(firstTab + 1)...].firstIndex(of: 0x09),
                !line[(secondTab + 1)...].contains(0x09)
            else { throw malformed() }
            let code = String(decoding: line[..<firstTab], as: UTF8.self)
            if code != lastCode {
                lastCode = code
                language = Language(code: code)
            }
            guard let language,
                let value = Float(String(decoding: line[(secondTab + 1)...], as: UTF8.self))
            else { throw malformed() }
            if secondTab == firstTab + 1 {
                unseen[language] = value
            } else {
                logProbabilities[language, default: []].append(
                    KeptGram(
                        gram: String(decoding: line[(firstTab + 1)..<secondTab], as: UTF8.self),
                        logProbability: value))
            }
        }
        guard sawHeader else { throw missingHeader }
        return (logProbabilities, unseen)
    }

    /// One gram a language kept, with its log-probability.
    struct KeptGram: Sendable {
        var gram: String
        var logProbability: Float
    }

    init(logProbabilities: [Language: [KeptGram]], unseen: [Language: Float]) {
        self.logProbabilities = logProbabilities
        self.unseen = unseen
        self.lookup = Self.makeLookup(logProbabilities, unseen)
        self.languages = lookup.languages
    }
}

/// A language-ID model file that cannot be read.
public enum LanguageIDError: Error, Equatable, CustomStringConvertible {
    case badModel(String)

    public var description: String {
        switch self {
        case .badModel(let detail): "language-ID model: \(detail)"
        }
    }
}
