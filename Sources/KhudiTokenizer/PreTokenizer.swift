/// Splits text into the pieces BPE merges within, for Perso-Arabic and Latin text alike.
///
/// Equivalent to Hugging Face's `Split` pre-tokenizer with `behavior: Isolated` and the regex
/// in `pattern` (written into tokenizer.json, so `tokenizers` splits identically):
/// letters, combining marks and ZWNJ form one word class (an Arabic word keeps its harakat and
/// its ZWNJ, unlike GPT-2's and cl100k's patterns, which break at every mark), except that a
/// switch between Latin letters and other letters starts a new piece (code-mixed `AIسے` is
/// `AI` + `سے`); digits come in groups of up to `maximumDigits` (three by default, as cl100k;
/// one splits every digit, as Llama 2); runs of other symbols (۔ ، ؟ ؛ …) stand alone; a single
/// space joins the piece after it, and other whitespace forms its own pieces as in GPT-2.
///
/// "Latin" is spelled out as code-point ranges (ASCII letters, ª º, Latin-1 letters, Latin
/// Extended-A and -B, Latin Extended Additional) rather than `\p{Latin}`, so Khudi and
/// Oniguruma agree whatever Unicode version each was built with.
public struct PersoArabicPreTokenizer: Sendable, Equatable {
    /// The longest run of digits one piece holds (1 to 3).
    public let maximumDigits: Int

    /// A pre-tokenizer keeping up to `maximumDigits` digits (clamped to 1…3) together.
    public init(maximumDigits: Int = 3) {
        self.maximumDigits = min(max(maximumDigits, 1), 3)
    }

    /// The Oniguruma pattern of the same split.
    public var pattern: String {
        let digits = maximumDigits == 1 ? "" : "{1,\(maximumDigits)}"
        return
            #" ?[\#(Self.latin)][\#(Self.latin)\p{M}]*| ?(?:[^\P{L}\#(Self.latin)]|[\p{M}\x{200C}])+"#
            + #"| ?\p{N}"# + digits + #"| ?[^\s\p{L}\p{M}\p{N}\x{200C}]+|\s+(?!\S)|\s+"#
    }

    /// The pre-tokenizer whose `pattern` is `pattern`, if any (how a tokenizer.json is recognised).
    public init?(pattern: String) {
        guard let match = (1...3).first(where: { Self(maximumDigits: $0).pattern == pattern })
        else {
            return nil
        }
        self.init(maximumDigits: match)
    }

    /// The Latin letters, as a character-class body.
    static let latin =
        #"A-Za-z\x{AA}\x{BA}\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{24F}"# + #"\x{1E00}-\x{1EFF}"#

    enum Class: UInt8 { case latin, letter, joiner, number, other, space }

    /// Whether `v` is in `latin`'s ranges (all of them letters).
    static func isLatin(_ v: UInt32) -> Bool {
        switch v {
        case 0x41...0x5A, 0x61...0x7A, 0xAA, 0xBA, 0xC0...0xD6, 0xD8...0xF6, 0xF8...0x24F,
            0x1E00...0x1EFF:
            return true
        default:
            return false
        }
    }

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

    /// `classifyDirectly` for every scalar of the Basic Multilingual Plane, worked out once:
    /// looking up Unicode properties was a tenth of tokenizer training.
    static let basicPlaneClasses: [Class] = (0..<0x10000).map { value in
        Unicode.Scalar(UInt32(value)).map(classifyDirectly) ?? .other
    }

    static func classify(_ scalar: Unicode.Scalar) -> Class {
        scalar.value < 0x10000 ? basicPlaneClasses[Int(scalar.value)] : classifyDirectly(scalar)
    }

    static func classifyDirectly(_ scalar: Unicode.Scalar) -> Class {
        let v = scalar.value
        if isSpace(v) { return .space }
        if v == 0x200C { return .joiner }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return isLatin(v) ? .latin : .letter
        case .nonspacingMark, .spacingMark, .enclosingMark:
            return .joiner
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        default:
            return .other
        }
    }

    /// The pieces of `text`, in order; joined they give `text` back.
    public func split(_ text: String) -> [Substring] {
        let scalars = text.unicodeScalars
        var indices: [String.Index] = []
        indices.reserveCapacity(text.utf8.count + 1)
        var index = scalars.startIndex
        while index < scalars.endIndex {
            indices.append(index)
            index = scalars.index(after: index)
        }
        indices.append(text.endIndex)
        var pieces: [Substring] = []
        forEachPieceBounds(scalars.map(\.value)) { start, end in
            pieces.append(text[indices[start]..<indices[end]])
        }
        return pieces
    }

    /// Calls `body` with the UTF-8 bytes of each piece of `text`, the pieces `split` returns,
    /// without making a string or substring per piece (pre-token counting's path).
    public func forEachPiece(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var text = text
        text.withUTF8 { bytes in
            // The scalars, decoded here from UTF-8 that String has already validated, and the
            // byte offset where each starts.
            var values: [UInt32] = []
            var offsets: [Int] = []
            values.reserveCapacity(bytes.count)
            offsets.reserveCapacity(bytes.count + 1)
            var i = 0
            while i < bytes.count {
                offsets.append(i)
                let lead = UInt32(bytes[i])
                func continuation(_ k: Int) -> UInt32 { UInt32(bytes[i + k] & 0x3F) }
                switch lead {
                case 0..<0x80:
                    values.append(lead)
                    i += 1
                case 0xC0..<0xE0:
                    values.append((lead & 0x1F) << 6 | continuation(1))
                    i += 2
                case 0xE0..<0xF0:
                    values.append((lead & 0x0F) << 12 | continuation(1) << 6 | continuation(2))
                    i += 3
                default:
                    values.append(
                        (lead & 0x07) << 18 | continuation(1) << 12 | continuation(2) << 6
                            | continuation(3))
                    i += 4
                }
            }
            offsets.append(bytes.count)
            forEachPieceBounds(values) { start, end in
                body(UnsafeBufferPointer(rebasing: bytes[offsets[start]..<offsets[end]]))
            }
        }
    }

    /// The split itself, over scalar values: calls `body` with each piece's scalar range
    /// (start, end), in order, the ranges covering every scalar.
    private func forEachPieceBounds(_ scalars: [UInt32], _ body: (Int, Int) -> Void) {
        let classes = scalars.map { value in
            value < 0x10000
                ? Self.basicPlaneClasses[Int(value)]
                : Unicode.Scalar(value).map(Self.classifyDirectly) ?? .other
        }
        var i = 0
        while i < scalars.count {
            let start = i
            var j = i
            // A single ASCII space may lead a word, number or symbol piece.
            if scalars[i] == 0x20, i + 1 < scalars.count, classes[i + 1] != .space {
                j = i + 1
            }
            let kind = classes[j]
            switch kind {
            case .latin:
                // Latin letters and the marks after them; not ZWNJ.
                j += 1
                while j < scalars.count,
                    classes[j] == .latin || (classes[j] == .joiner && scalars[j] != 0x200C)
                {
                    j += 1
                }
            case .letter, .joiner:
                j += 1
                while j < scalars.count, classes[j] == .letter || classes[j] == .joiner { j += 1 }
            case .other:
                j += 1
                while j < scalars.count, classes[j] == .other { j += 1 }
            case .number:
                let first = j
                j += 1
                while j < scalars.count, classes[j] == .number, j - first < maximumDigits { j += 1 }
            case .space:
                // \s+(?!\S): the run, less its last character when something follows it.
                var end = i
                while end < scalars.count, classes[end] == .space { end += 1 }
                if end < scalars.count && end - i > 1 { end -= 1 }
                j = end
            }
            body(start, j)
            i = j
        }
    }
}
