import KhudiText

/// Per-language thresholds of the quality filters.
///
/// Defaults are FineWeb-2's per-language configs (huggingface/fineweb-2 `configs/*.yml`,
/// Apache-2.0; values in reference/urdu-text.md §4.5) where FineWeb-2 has the language, else
/// Gopher's and FineWeb's own defaults. Every value can be overridden in the cleaning config.
public struct FilterThresholds: Codable, Equatable, Sendable {
    /// Minimum language-ID confidence to keep a document.
    public var languageScore: Double
    /// Gopher: remove if the fraction of duplicated lines exceeds this.
    public var duplicateLineFraction: Double
    /// Gopher: remove if the most frequent word n-gram's characters × count ÷ text length
    /// exceeds the value, for n = 2, 3, 4.
    public var topNGrams: [Int: Double]
    /// Gopher: remove if characters in repeated (non-overlapping) n-grams ÷ text length exceed
    /// the value, for n = 5…10.
    public var duplicateNGrams: [Int: Double]
    /// FineWeb: remove if fewer lines than this end in terminal punctuation (≤ 0 disables).
    public var linePunctuation: Double
    /// FineWeb: remove if newlines ÷ words exceeds this.
    public var newLineRatio: Double
    /// FineWeb: remove if characters of duplicated lines ÷ characters exceed this.
    public var characterDuplicates: Double
    /// FineWeb: remove if more lines than this are 30 characters or shorter (> 1 disables).
    public var shortLines: Double
    /// Gopher: keep mean word length within this range.
    public var minimumMeanWordLength: Double
    public var maximumMeanWordLength: Double
    /// Gopher: keep only if at least this fraction of words contains a letter.
    public var alphabeticWords: Double
    /// Gopher: keep only if at least `minimumStopWords` distinct stop words occur (empty list
    /// disables the rule).
    public var stopWords: [String]
    public var minimumStopWords: Int
    /// Gopher: word count range.
    public var minimumWords: Int
    public var maximumWords: Int

    static let gopherTop: [Int: Double] = [2: 0.2, 3: 0.18, 4: 0.16]
    static let gopherDuplicates: [Int: Double] = [
        5: 0.15, 6: 0.14, 7: 0.13, 8: 0.12, 9: 0.11, 10: 0.10,
    ]

    /// Gopher and FineWeb (English) defaults, as datatrove's filters.
    public static let generic = FilterThresholds(
        languageScore: 0.65, duplicateLineFraction: 0.3, topNGrams: gopherTop,
        duplicateNGrams: gopherDuplicates, linePunctuation: 0.12, newLineRatio: 0.3,
        characterDuplicates: 0.1, shortLines: 999, minimumMeanWordLength: 3,
        maximumMeanWordLength: 10, alphabeticWords: 0.8,
        stopWords: ["the", "be", "to", "of", "and", "that", "have", "with"], minimumStopWords: 2,
        minimumWords: 50, maximumWords: 100_000)

    /// FineWeb-2's values for `language` (generic ones where FineWeb-2 has none).
    public static func defaults(for language: Language) -> FilterThresholds {
        var t = generic
        func set(
            _ score: Double, _ dupLine: Double, _ top: [Double], _ dup: [Double], _ punct: Double,
            _ newLine: Double, _ minLength: Double, _ maxLength: Double, _ alpha: Double,
            _ stop: [String]
        ) {
            t.languageScore = score
            t.duplicateLineFraction = dupLine
            t.topNGrams = [2: top[0], 3: top[1], 4: top[2]]
            t.duplicateNGrams = Dictionary(uniqueKeysWithValues: zip(5...10, dup))
            t.linePunctuation = punct
            t.newLineRatio = newLine
            t.minimumMeanWordLength = minLength
            t.maximumMeanWordLength = maxLength
            t.alphabeticWords = alpha
            t.stopWords = stop
        }
        switch language {
        case .urdu:
            set(
                0.847, 0.204, [0.139, 0.123, 0.107], [0.125, 0.115, 0.107, 0.098, 0.089, 0.081],
                0.1, 0.222, 2, 31, 0.839,
                ["کے", "میں", "،", "کی", "اور", "ہے", "سے", "کا", "نے", "اس", "پر", "کو", "ایک"])
        case .romanUrdu:
            set(
                0.413, 0.375, [0.521, 0.393, 0.244], [0.24, 0.229, 0.215, 0.2, 0.183, 0.167], -1,
                0.071, 2, 10, 0.833,
                [
                    "ke", "aur", "se", "hai", "ki", "ne", "ko", "us", "wo", "main", "mein", "kar",
                    "ka", "par", "jo",
                ])
        case .sindhi:
            set(
                0.815, 0.248, [0.211, 0.171, 0.127], [0.129, 0.118, 0.107, 0.099, 0.09, 0.08], 0,
                7.25, 2, 50, 0.799,
                ["جي", "،", "۾", "۽", "جو", "آهي", "کي", "تي", "کان", "سان"])
        case .pashto:
            set(
                0.795, 0.236, [0.167, 0.154, 0.136], [0.119, 0.108, 0.098, 0.088, 0.081, 0.072],
                0.029, 0.222, 2, 21, 0.867,
                ["د", "په", "،", "او", "کې", "چې", "له", "ته", "سره"])
        case .punjabiShahmukhi:
            // FineWeb-2's pnb stop words carry RLM inside words; Khudi removes RLM first, so
            // they are listed here without it.
            set(
                0.732, 0.178, [0.228, 0.151, 0.136], [0.089, 0.082, 0.076, 0.07, 0.064, 0.059], 0,
                0.333, 2, 21, 0.883,
                [
                    "دے", "،", "وچ", "تے", "دی", "دا", "اے", "نے", "توں", "اس", "نوں", "سی", "اک",
                    "اُتے",
                ])
        case .saraiki:
            set(
                0.648, 0.231, [1.101, 0.513, 0.442], [0.134, 0.129, 0.12, 0.113, 0.105, 0.095], 0,
                0.244, 2, 63, 0.882,
                ["،", "دے", "تے", "دی", "دا", "وچ", "کوں", "ہے", "نال", "وی", "اے"])
        case .kashmiri:
            set(
                0.3, 0.513, [0.654, 0.477, 0.42], [0.398, 0.349, 0.323, 0.297, 0.272, 0.254], 0.3,
                0.25, 3, 26, 0.842,
                ["مَنٛز", "تہٕ", "چھِ", "اَکھ", "،", "چھُ", "جۆم", "کٔشیٖر", "کہِ"])
        case .persian:
            set(
                0.85, 0.246, [0.189, 0.164, 0.143], [0.157, 0.147, 0.137, 0.127, 0.117, 0.107], 0.2,
                0.15, 2, 9, 0.812, [])
        case .arabic:
            set(
                0.711, 0.304, [0.197, 0.172, 0.146], [0.165, 0.153, 0.142, 0.131, 0.12, 0.109],
                0.143, 0.189, 2, 9, 0.787, [])
        case .balochi:
            // FineWeb-2 released no Balochi subset; Brahui's values (its nearest configured
            // neighbour, the same Urdu-like script) without stop words.
            set(
                0.3, 0.485, [0.418, 0.407, 0.366], [0.234, 0.218, 0.199, 0.181, 0.166, 0.152], -1,
                0.111, 2, 9, 0.84, [])
        case .english:
            break
        }
        return t
    }
}
