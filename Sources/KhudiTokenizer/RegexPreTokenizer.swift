/// Splits text at the matches of a regular expression, each match and each stretch between two
/// matches becoming a piece: Hugging Face's `Split` pre-tokenizer with `behavior: Isolated`.
///
/// This is how Khudi reads tokenizers it did not train (GPT-2's pattern, Llama 3's, any other
/// `Split` regex) and how it trains the comparison tokenizers of the field (`gpt2`, `cl100k`,
/// `o200k`). Matching runs on Unicode scalars, as Oniguruma does, not on Swift's grapheme
/// clusters, so `\p{L}` sees a letter and its marks separately. Swift's regex engine is far
/// slower than Khudi's hand-written Perso-Arabic splitter, which serves Khudi's own pattern.
public struct RegexPreTokenizer: @unchecked Sendable {
    // `Regex` is not declared Sendable; a compiled regex is immutable and matching only reads it.

    /// The pattern as written in tokenizer.json.
    public let pattern: String
    private let regex: Regex<AnyRegexOutput>

    /// Compiles `pattern`; throws Swift's description of a pattern it cannot compile.
    public init(pattern: String) throws {
        self.pattern = pattern
        regex = try Regex(pattern).matchingSemantics(.unicodeScalar)
        _ = "warm up".firstMatch(of: regex)  // compile now, not racing on first use
    }

    /// GPT-2's pattern (also Hugging Face's `ByteLevel` pre-tokenizer with `use_regex: true`).
    public static let gpt2 =
        #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#

    /// cl100k's pattern as Llama 3's tokenizer.json writes it (GPT-4's tokenizer).
    public static let cl100k =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"#
        + #"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// o200k's pattern (GPT-4o's tokenizer): marks inside words, case-aware word pieces.
    public static let o200k =
        #"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+"#
        + #"(?i:'s|'t|'re|'ve|'m|'ll|'d)?"#
        + #"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*"#
        + #"(?i:'s|'t|'re|'ve|'m|'ll|'d)?"#
        + #"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// The pieces of `text`, in order; joined they give `text` back.
    public func split(_ text: String) -> [Substring] {
        var pieces: [Substring] = []
        var position = text.startIndex
        for match in text.matches(of: regex) {
            let range = match.range
            guard !range.isEmpty else { continue }
            if position < range.lowerBound { pieces.append(text[position..<range.lowerBound]) }
            pieces.append(text[range])
            position = range.upperBound
        }
        if position < text.endIndex { pieces.append(text[position...]) }
        return pieces
    }
}

/// The pre-tokenizers a byte-level BPE tokenizer can use.
public enum PreTokenization: Sendable {
    /// Khudi's own split (hand-written, and fast).
    case persoArabic(PersoArabicPreTokenizer)
    /// Any other regex, applied with `Isolated` behaviour.
    case regex(RegexPreTokenizer)

    /// The pieces of `text`, in order.
    public func split(_ text: String) -> [Substring] {
        switch self {
        case .persoArabic(let splitter): splitter.split(text)
        case .regex(let splitter): splitter.split(text)
        }
    }

    /// Calls `body` with the UTF-8 bytes of each piece of `text`, in order.
    public func forEachPiece(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        switch self {
        case .persoArabic(let splitter): splitter.forEachPiece(text, body)
        case .regex(let splitter):
            for piece in splitter.split(text) {
                var piece = piece
                piece.withUTF8(body)
            }
        }
    }

    /// The pattern as tokenizer.json writes it.
    public var pattern: String {
        switch self {
        case .persoArabic(let splitter): splitter.pattern
        case .regex(let splitter): splitter.pattern
        }
    }

    /// Khudi's own split, or a hand-written equivalent of `pattern` when there is one.
    public init(pattern: String) throws {
        if let khudi = PersoArabicPreTokenizer(pattern: pattern) {
            self = .persoArabic(khudi)
        } else {
            self = .regex(try RegexPreTokenizer(pattern: pattern))
        }
    }
}
