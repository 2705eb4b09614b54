import Foundation

/// Identifies the language of a text or of each of its lines: the script profile picks the
/// candidates (Arabic-script languages, or English and Roman Urdu), then the n-gram model
/// scores them.
public struct LanguageIdentifier: Sendable {
    /// One decision.
    public struct Identification: Equatable, Sendable {
        public var language: Language
        /// The model's posterior for `language` among the candidates, 0…1.
        public var confidence: Double
    }

    /// A document's decision with its per-line mix.
    public struct DocumentIdentification: Equatable, Sendable {
        public var language: Language
        public var confidence: Double
        /// Share of the document's letters per language, from line-level decisions.
        public var mix: [Language: Double]
        /// True when no language holds 80% of the letters.
        public var isCodeMixed: Bool
    }

    public let model: NGramModel
    public let normalizer = ScriptNormalizer()

    /// The candidates for Arabic-script and for Latin-script text, chosen once.
    private let arabicCandidates: [Language]
    private let latinCandidates: [Language]

    public init(model: NGramModel) {
        self.model = model
        arabicCandidates = model.languages.filter(\.isArabicScript)
        latinCandidates = model.languages.filter { !$0.isArabicScript }
    }

    /// The identifier with the model Khudi ships (Sources/KhudiText/Resources/language-id.tsv;
    /// its training data is documented in datasets/language-id.md).
    public static func bundled() throws -> LanguageIdentifier {
        guard let url = Bundle.module.url(forResource: "language-id", withExtension: "tsv") else {
            throw LanguageIDError.badModel("the bundled model file is missing from the build")
        }
        return LanguageIdentifier(
            model: try NGramModel(serialized: String(contentsOf: url, encoding: .utf8)))
    }

    /// The identifier with the model file at `path` (as `khudi-clean train-lid` writes it), or
    /// the bundled one when `path` is nil.
    public static func load(modelFile path: String?) throws -> LanguageIdentifier {
        guard let path else { return try bundled() }
        return LanguageIdentifier(
            model: try NGramModel(serialized: String(contentsOfFile: path, encoding: .utf8)))
    }

    /// The language of `text`, or nil when it has no letters.
    public func identify(_ text: String) -> Identification? {
        var cache = WordScoreCache(capacity: 0)
        return identify(text, cache: &cache)
    }

    /// `identify(_:)` with a cache of word scores kept across calls (see `WordScoreCache`):
    /// the same decision, faster over many lines.
    public func identify(_ text: String, cache: inout WordScoreCache) -> Identification? {
        decide(normalizer.normalize(text), cache: &cache)?.identification
    }

    /// One line's decision with the evidence a document-level decision aggregates.
    struct LineDecision {
        var identification: Identification
        var script: ScriptProfile.Script
        var letters: Int
        /// Summed log-likelihoods per lookup language (`NGramModel.totalVector`).
        var totals: SIMD16<Float>
        var grams: Int
    }

    func candidates(for script: ScriptProfile.Script) -> [Language]? {
        switch script {
        case .arabic: arabicCandidates
        case .latin: latinCandidates
        case .other, .none: nil
        }
    }

    /// Posterior of the best candidate from per-gram averages, sharpened by the evidence (the
    /// letter count, capped so long texts do not all read as certainty 1.0).
    func posterior(_ ranked: [(Language, Float)], letters: Int) -> Double {
        guard let best = ranked.first else { return 0 }
        let sharpness = Float(min(60, max(4, letters)))
        let total = ranked.reduce(0.0) { $0 + exp(Double(($1.1 - best.1) * sharpness)) }
        return 1 / total
    }

    func decide(_ clean: String, cache: inout WordScoreCache) -> LineDecision? {
        var tally = ScriptProfile.Tally()
        let features = NGramModel.featureWords(of: clean) { tally.add($0, $1) }
        let profile = ScriptProfile(tally)
        guard let pool = candidates(for: profile.dominantScript) else { return nil }
        let (totals, grams) = model.totalVector(
            features.scalars, words: features.words, cache: &cache)
        let ranked = model.ranked(totals, grams: grams, among: pool)
        guard let best = ranked.first else { return nil }
        return LineDecision(
            identification: Identification(
                language: best.0, confidence: posterior(ranked, letters: profile.letters)),
            script: profile.dominantScript, letters: profile.letters, totals: totals, grams: grams)
    }

    /// Each line's language (nil for lines without letters).
    public func identifyLines(_ text: String) -> [Identification?] {
        var cache = WordScoreCache()
        return text.split(separator: "\n", omittingEmptySubsequences: false).map {
            identify(String($0), cache: &cache)
        }
    }

    /// `Language.allCases`, made once (the computed property builds its array at every call).
    private static let allLanguages = Language.allCases

    /// The line decisions of one script in a document, added up.
    private struct ScriptEvidence {
        var totals = SIMD16<Float>()
        var grams = 0
        var letters = 0
        var lines = 0

        mutating func add(_ decision: LineDecision) {
            totals += decision.totals
            grams += decision.grams
            letters += decision.letters
            lines += 1
        }
    }

    /// Letters of a document read for its decision: lines are scored until this many letters
    /// have been seen (a long document's first pages decide its language and mix, as language
    /// identifiers usually sample; the cost no longer grows with the document).
    public static let documentLetterBudget = 6_000

    /// A document's language: the language holding most of its letters across line-level decisions,
    /// with the mix reported; confidence from the evidence of all lines in that language's script
    /// together.
    ///
    /// One pass: every line is scored once, up to `documentLetterBudget` letters.
    /// - Parameters:
    ///   - text: the document, lines separated by newlines.
    ///   - isNormalized: the text is already `ScriptNormalizer` output.
    /// - Returns: the decision, or nil when the document has no letters.
    public func identifyDocument(
        _ text: String, isNormalized: Bool = false
    ) -> DocumentIdentification? {
        var cache = WordScoreCache(capacity: 512)
        return identifyDocument(text, isNormalized: isNormalized, cache: &cache)
    }

    /// `identifyDocument(_:isNormalized:)` with a cache of word scores kept across calls
    /// (one per thread; see `WordScoreCache`): the same decision, faster over a corpus.
    public func identifyDocument(
        _ text: String, isNormalized: Bool = false, cache: inout WordScoreCache
    ) -> DocumentIdentification? {
        let clean = isNormalized ? text : normalizer.normalize(text)
        // Letters per language (by `ordinal`) and the evidence per script, in arrays and
        // values: dictionaries hashed a language and a script every line.
        let languages = Self.allLanguages
        var letters = [Int](repeating: 0, count: languages.count)
        var arabic = ScriptEvidence()
        var latin = ScriptEvidence()
        var seen = 0
        for range in clean.lineOffsets() where !range.isEmpty {
            if seen >= Self.documentLetterBudget { break }
            guard let decision = decide(String(clean.substring(utf8Offsets: range)), cache: &cache)
            else {
                continue
            }
            letters[decision.identification.language.ordinal] += max(1, decision.letters)
            seen += decision.letters
            // Lines of other scripts have no decision (no candidates).
            switch decision.script {
            case .arabic: arabic.add(decision)
            case .latin: latin.add(decision)
            case .other, .none: break
            }
        }
        let total = letters.reduce(0, +)
        // The most letters; ties go to the language listed first, so the decision never
        // depends on an order of hashing.
        var topIndex = 0
        for index in letters.indices where letters[index] > letters[topIndex] { topIndex = index }
        guard total > 0 else { return nil }
        let top = languages[topIndex]
        var mix: [Language: Double] = [:]
        for (index, count) in letters.enumerated() where count > 0 {
            mix[languages[index]] = Double(count) / Double(total)
        }
        let script: ScriptProfile.Script = top.isArabicScript ? .arabic : .latin
        let group = top.isArabicScript ? arabic : latin
        var confidence = mix[top, default: 0]
        if group.lines > 0, let pool = candidates(for: script) {
            let ranked = model.ranked(group.totals, grams: group.grams, among: pool)
            if ranked.first?.0 == top { confidence = posterior(ranked, letters: group.letters) }
        }
        return DocumentIdentification(
            language: top, confidence: confidence, mix: mix,
            isCodeMixed: (mix.values.max() ?? 0) < 0.8)
    }
}
