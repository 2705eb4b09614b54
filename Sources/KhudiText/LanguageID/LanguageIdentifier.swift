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

    public init(model: NGramModel) {
        self.model = model
    }

    /// The identifier with the model Khudi ships (Sources/KhudiText/Resources/language-id.tsv;
    /// its training data is documented in datasets/language-id.md).
    public static func bundled() throws -> LanguageIdentifier {
        guard let url = Bundle.module.url(forResource: "language-id", withExtension: "tsv") else {
            throw LanguageIDError.badModel("the bundled model file is missing from the build")
        }
        return LanguageIdentifier(model: try NGramModel(serialized: String(contentsOf: url, encoding: .utf8)))
    }

    /// The language of `text`, or nil when it has no letters.
    public func identify(_ text: String) -> Identification? {
        let clean = normalizer.normalize(text)
        let profile = ScriptProfile(clean)
        let candidates: [Language]
        switch profile.dominantScript {
        case .arabic: candidates = model.languages.filter(\.isArabicScript)
        case .latin: candidates = model.languages.filter { !$0.isArabicScript }
        case .other, .none: return nil
        }
        let scores = model.scores(clean, among: candidates)
        guard let best = scores.first else { return nil }
        // Posterior from the average per-gram log-likelihoods, sharpened by the evidence (gram
        // count, capped so long texts do not all read as certainty 1.0).
        let sharpness = Float(min(60, max(4, profile.letters)))
        let exponents = scores.map { Double(($0.1 - best.1) * sharpness) }
        let total = exponents.reduce(0) { $0 + exp($1) }
        return Identification(language: best.0, confidence: 1 / total)
    }

    /// Each line's language (nil for lines without letters).
    public func identifyLines(_ text: String) -> [Identification?] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { identify(String($0)) }
    }

    /// A document's language: the language holding most of its letters across line-level
    /// decisions, with the mix reported, and the whole-document decision's confidence.
    public func identifyDocument(_ text: String) -> DocumentIdentification? {
        var letters: [Language: Int] = [:]
        for line in text.split(separator: "\n") {
            let line = String(line)
            guard let decision = identify(line) else { continue }
            letters[decision.language, default: 0] += max(1, ScriptProfile(line).letters)
        }
        let total = letters.values.reduce(0, +)
        // Ties go to the language listed first, so the decision never depends on hashing order.
        let order = Language.allCases
        guard total > 0,
            let top = letters.max(by: {
                $0.value != $1.value ? $0.value < $1.value
                    : (order.firstIndex(of: $0.key) ?? 0) > (order.firstIndex(of: $1.key) ?? 0)
            })
        else { return nil }
        let mix = letters.mapValues { Double($0) / Double(total) }
        let whole = identify(text)
        let language = mix[top.key, default: 0] >= 0.5 ? top.key : (whole?.language ?? top.key)
        return DocumentIdentification(
            language: language,
            confidence: whole?.language == language ? (whole?.confidence ?? 0) : mix[language, default: 0],
            mix: mix, isCodeMixed: (mix.values.max() ?? 0) < 0.8)
    }
}
