import Foundation

/// How well a tokenizer fits a language (reference/tokenizers.md §d).
///
/// Fertility is tokens per whitespace word (Rust and others, 2021); then the share of words
/// split into two or more tokens, UTF-8 bytes and characters per token, and whether every text
/// decodes back exactly (after NFC). Premium (Petrov and others, 2023) compares token counts on
/// parallel text with English.
public struct TokenizerMetrics: Codable, Equatable, Sendable {
    public var texts = 0
    public var words = 0
    public var tokens = 0
    public var bytes = 0
    public var characters = 0
    public var continuedWords = 0
    public var exactRoundTrips = 0

    public var fertility: Double { Double(tokens) / Double(max(words, 1)) }
    public var continuedWordShare: Double { Double(continuedWords) / Double(max(words, 1)) }
    public var bytesPerToken: Double { Double(bytes) / Double(max(tokens, 1)) }
    public var charactersPerToken: Double { Double(characters) / Double(max(tokens, 1)) }
    public var roundTripsExactly: Bool { exactRoundTrips == texts }

    public init() {}

    /// Measures `tokenizer` on `texts`.
    ///
    /// A word's tokens are counted as in running text, where the pre-tokenizer attaches the
    /// preceding space to it.
    public static func measure<S: Sequence>(
        _ tokenizer: any TextTokenizer, on texts: S
    ) -> TokenizerMetrics
    where S.Element == String {
        var m = TokenizerMetrics()
        for text in texts {
            let normalized = UnicodeNormalization.nfc.apply(text)
            let ids = tokenizer.encode(normalized)
            m.texts += 1
            m.tokens += ids.count
            m.bytes += normalized.utf8.count
            m.characters += normalized.unicodeScalars.count
            if tokenizer.decode(ids) == normalized { m.exactRoundTrips += 1 }
            for word in normalized.split(whereSeparator: { $0.isWhitespace }) {
                m.words += 1
                if tokenizer.encode(" " + word).count > 1 { m.continuedWords += 1 }
            }
        }
        return m
    }

    /// Token count of each language's text divided by English's on the same sentences.
    ///
    /// 1 is parity. `parallel` maps a language to its sentences, aligned by index.
    public static func premiums(
        _ tokenizer: any TextTokenizer, parallel: [String: [String]], english: String = "eng_Latn"
    ) -> [String: Double] {
        guard let reference = parallel[english] else { return [:] }
        let referenceTokens = reference.reduce(0) { $0 + tokenizer.encode($1).count }
        var result: [String: Double] = [:]
        for (language, sentences) in parallel where language != english {
            let count = sentences.reduce(0) { $0 + tokenizer.encode($1).count }
            result[language] = Double(count) / Double(max(referenceTokens, 1))
        }
        return result
    }
}
