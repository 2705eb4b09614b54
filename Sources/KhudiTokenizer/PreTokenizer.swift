/// Splits text into the pieces BPE merges within, for Perso-Arabic and Latin text alike.
///
/// Equivalent to Hugging Face's `Split` pre-tokenizer with `behavior: Isolated` and the regex
/// in `pattern` (written into tokenizer.json, so `tokenizers` splits identically):
/// letters, combining marks and ZWNJ form one word class (an Arabic word keeps its harakat and
/// its ZWNJ, unlike GPT-2's and cl100k's patterns, which break at every mark); digits come in
/// groups of up to three; runs of other symbols (۔ ، ؟ ؛ …) stand alone; a single space joins
/// the piece after it, and other whitespace forms its own pieces as in GPT-2.
public enum PersoArabicPreTokenizer {
    /// The Oniguruma pattern of the same split.
    public static let pattern =
        #" ?[\p{L}\p{M}\x{200C}]+| ?\p{N}{1,3}| ?[^\s\p{L}\p{M}\p{N}\x{200C}]+|\s+(?!\S)|\s+"#

    enum Class { case word, number, other, space }

    /// Oniguruma's `\s` (Unicode White_Space).
    static func isSpace(_ v: UInt32) -> Bool {
        switch v {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F,
            0x3000:
            return true
        default:
            return false
        }
    }

    static func classify(_ scalar: Unicode.Scalar) -> Class {
        let v = scalar.value
        if isSpace(v) { return .space }
        if v == 0x200C { return .word }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .nonspacingMark, .spacingMark, .enclosingMark:
            return .word
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        default:
            return .other
        }
    }

    /// The pieces of `text`, in order; joined they give `text` back.
    public static func split(_ text: String) -> [Substring] {
        let scalars = Array(text.unicodeScalars)
        let classes = scalars.map(classify)
        var indices: [String.Index] = []
        indices.reserveCapacity(scalars.count + 1)
        var index = text.unicodeScalars.startIndex
        while index < text.unicodeScalars.endIndex {
            indices.append(index)
            index = text.unicodeScalars.index(after: index)
        }
        indices.append(text.endIndex)
        var pieces: [Substring] = []
        var i = 0
        while i < scalars.count {
            let start = i
            var j = i
            // A single ASCII space may lead a word, number or symbol piece.
            if scalars[i] == " ", i + 1 < scalars.count, classes[i + 1] != .space {
                j = i + 1
            }
            let kind = classes[j]
            switch kind {
            case .word, .other:
                j += 1
                while j < scalars.count, classes[j] == kind { j += 1 }
            case .number:
                let first = j
                j += 1
                while j < scalars.count, classes[j] == .number, j - first < 3 { j += 1 }
            case .space:
                // \s+(?!\S): the run, less its last character when something follows it.
                var end = i
                while end < scalars.count, classes[end] == .space { end += 1 }
                if end < scalars.count && end - i > 1 { end -= 1 }
                j = end
            }
            pieces.append(text[indices[start]..<indices[j]])
            i = j
        }
        return pieces
    }
}
