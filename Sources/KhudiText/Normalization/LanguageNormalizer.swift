import Foundation

/// The second normalization stage, applied once a text's language is known: the language's letter
/// table, hamza composition, digits, ZWNJ and (optionally) diacritics.
///
/// Run it on the output of `ScriptNormalizer`; it is idempotent on that output.
public struct LanguageNormalizer: Sendable {
    public let language: Language
    public var digits: DigitPolicy
    public var zwnj: ZWNJPolicy
    /// Strip vowel marks (harakat, superscript alef, Quranic annotation marks).
    ///
    /// Off by default: stripping is lossy for Kashmiri, Saraiki and Shahmukhi (§1.7). The hamza
    /// carriers U+0654/U+0655 are never stripped.
    public var stripsDiacritics: Bool
    private let table: LetterTable?
    /// The table's single-letter replacements for U+0600–06FF, by offset (a dictionary lookup
    /// per scalar would dominate the run time).
    private let replacements: [UInt32?]

    /// A normalizer for `language`; nil policies take the language's defaults.
    public init(
        language: Language, digits: DigitPolicy = .foldArabicIndic, zwnj: ZWNJPolicy? = nil,
        stripsDiacritics: Bool = false
    ) {
        self.language = language
        let table = LetterTable.table(for: language)
        self.table = table
        var replacements = [UInt32?](repeating: nil, count: 256)
        for (from, to) in table?.replacements ?? [:] where (0x0600...0x06FF).contains(from) {
            replacements[Int(from - 0x0600)] = to
        }
        self.replacements = replacements
        self.digits = digits
        self.zwnj = zwnj ?? table?.defaultZWNJ ?? .keep
        self.stripsDiacritics = stripsDiacritics
    }

    /// `text` with the language's letters, digits and joiners unified.
    ///
    /// `text` is `ScriptNormalizer` output, so already NFC; the result is NFC too. It is
    /// recomposed only where this stage may have broken that: where a replaced scalar, or the
    /// one after a replaced, composed or deleted scalar, `mayCombine` (possibly a mark that now
    /// combines with what precedes it or sits out of canonical order). Recomposing every text
    /// took a quarter of this stage's time.
    public func normalize(_ text: String) -> String {
        var output: [UInt32] = []
        output.reserveCapacity(text.utf8.count / 2)
        var previous: UInt32 = 0
        var changed = false
        var afterChange = false
        var needsComposition = false
        for scalar in text.unicodeScalars {
            var v = scalar.value
            if v >= 0x0600 && v <= 0x06FF, let replacement = replacements[Int(v - 0x0600)] {
                v = replacement
            }
            v = Self.digit(v, policy: digits)
            if stripsDiacritics && Self.isStrippedDiacritic(v) {
                changed = true
                afterChange = true
                continue
            }
            if v == 0x0654 || v == 0x0655,
                let composed = table?.compositions[LetterTable.Pair(base: previous, mark: v)],
                !output.isEmpty
            {
                output.removeLast()
                v = composed
            }
            if v == 0x200C {
                switch zwnj {
                case .keep: break
                case .delete:
                    changed = true
                    afterChange = true
                    continue
                case .space: v = 0x20
                }
            }
            let replaced = v != scalar.value
            // A mark may now combine with what precedes it, or (itself replaced: U+065B → U+0652)
            // sit out of canonical order among the marks before it.
            if (afterChange || replaced) && Self.mayCombine(v) { needsComposition = true }
            afterChange = replaced
            if replaced { changed = true }
            output.append(v)
            previous = v
        }
        guard changed || zwnj == .keep else { return text }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(output.count * 2)
        for v in output { UTF8Builder.append(v, to: &bytes) }
        var result = String(decoding: bytes, as: UTF8.self)
        // Neither can make a composition: they drop ZWNJ or spaces only beside spaces, line
        // breaks, other ZWNJ or the text's ends.
        if zwnj == .keep { result = Self.tidyZWNJ(result) }
        if zwnj == .space { result = Self.collapseSpaces(result) }
        return needsComposition ? CanonicalComposition.nfc(result) : result
    }

    /// Whether `v` may be the second half of a canonical composite or a mark out of order: not
    /// ASCII, an Arabic letter or an Arabic-Indic or Urdu digit, which never are.
    @inline(__always) static func mayCombine(_ v: UInt32) -> Bool {
        v >= 0x80 && !ScalarClass.isArabicLetter(v) && !(0x0660...0x0669).contains(v)
            && !(0x06F0...0x06F9).contains(v)
    }

    static func digit(_ v: UInt32, policy: DigitPolicy) -> UInt32 {
        switch policy {
        case .keep: return v
        case .foldArabicIndic: return (0x0660...0x0669).contains(v) ? v + 0x90 : v
        case .urdu:
            if (0x0660...0x0669).contains(v) { return v + 0x90 }
            if (0x30...0x39).contains(v) { return v - 0x30 + 0x06F0 }
            return v
        case .ascii:
            if (0x0660...0x0669).contains(v) { return v - 0x0660 + 0x30 }
            if (0x06F0...0x06F9).contains(v) { return v - 0x06F0 + 0x30 }
            return v
        }
    }

    /// Vowel marks removed by `stripsDiacritics`: U+064B–0652, U+0653 madda (only when
    /// detached; NFC has already composed آ), U+0670, Quranic marks U+06D6–06ED, U+08D3–08FF.
    static func isStrippedDiacritic(_ v: UInt32) -> Bool {
        switch v {
        case 0x064B...0x0653, 0x0670, 0x06D6...0x06ED, 0x08D3...0x08FF: return true
        default: return false
        }
    }

    /// hazm's ZWNJ cleanup for languages that keep it: repeated ZWNJ collapse to one, and a
    /// ZWNJ at a word's edge (next to a space or the text's ends) is removed.
    static func tidyZWNJ(_ text: String) -> String {
        guard text.unicodeScalars.contains("\u{200C}") else { return text }
        var output = String.UnicodeScalarView()
        func dropTrailingZWNJ() {
            if output.last == "\u{200C}" { output.removeLast() }
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\u{200C}":
                guard let last = output.last, last != "\u{200C}", last != " ", last != "\n" else {
                    continue
                }
                output.append(scalar)
            case " ", "\n":
                dropTrailingZWNJ()
                output.append(scalar)
            default:
                output.append(scalar)
            }
        }
        dropTrailingZWNJ()
        return String(output)
    }

    /// Runs of spaces become one; spaces at line ends go.
    static func collapseSpaces(_ text: String) -> String {
        var output = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if scalar == " " {
                pendingSpace = true
                continue
            }
            if pendingSpace && scalar != "\n" && !output.isEmpty && output.last != "\n" {
                output.append(" ")
            }
            pendingSpace = false
            output.append(scalar)
        }
        return String(output)
    }
}
