import Foundation

/// The second normalization stage, applied once a text's language is known: the language's letter
/// table, hamza composition, digits, ZWNJ and (optionally) diacritics.
///
/// Run it on the output of `ScriptNormalizer`; it is idempotent on that output.
public struct LanguageNormalizer: Sendable {
    public let language: Language
    public let digits: DigitPolicy
    public let zwnj: ZWNJPolicy
    /// Strip vowel marks (harakat, superscript alef, Quranic annotation marks).
    ///
    /// Off by default: stripping is lossy for Kashmiri, Saraiki and Shahmukhi (§1.7). The hamza
    /// carriers U+0654/U+0655 are never stripped.
    public let stripsDiacritics: Bool
    private let table: LetterTable?
    /// The table's single-letter replacements for U+0600–06FF, by offset (a dictionary lookup
    /// per scalar would dominate the run time).
    private let replacements: [UInt32?]
    /// Which byte pairs start a scalar this normalizer rewrites (see `RewriteScan`).
    private let scan: RewriteScan

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
        let composesHamza = !(table?.compositions.isEmpty ?? true)
        // Only these can be rewritten: ASCII digits, the Arabic block, Arabic Extended-A's
        // marks and ZWNJ.
        let candidates = Array(0x30...0x39) + Array(0x0600...0x06FF) + Array(0x08D3...0x08FF)
        scan = RewriteScan(
            scalars: candidates.map(UInt32.init).filter { v in
                if stripsDiacritics && Self.isStrippedDiacritic(v) { return true }
                if Self.digit(v, policy: digits) != v { return true }
                guard v >= 0x0600 && v <= 0x06FF else { return false }
                return replacements[Int(v - 0x0600)] != nil
                    || (composesHamza && (v == 0x0654 || v == 0x0655))
            } + [0x200C])
    }

    /// `text` with the language's letters, digits and joiners unified.
    ///
    /// `text` is `ScriptNormalizer` output, so already NFC; the result is NFC too. It is
    /// recomposed only where this stage may have broken that (see `rewrite`): a replaced mark,
    /// a mark or a composing starter after a deletion, a composing starter after any change,
    /// or a hamza or madda after a letter changed into one they compose with. Recomposing
    /// every text took a quarter of this stage's time.
    ///
    /// One pass over the UTF-8 bytes into the result's storage: decoding into scalars and
    /// encoding them back took two thirds of it.
    public func normalize(_ text: String) -> String {
        var text = text
        // Only Urdu digits grow (one byte to two); deletions, compositions and the other
        // replacements keep or shrink the length.
        let length = text.utf8.count
        let capacity = max(digits == .urdu ? 2 * length : length, 1)
        var pass = LanguagePass()
        let rewritten = text.withUTF8 { input -> String? in
            // Most text is in the language's letters already (in Maḵẖzan 86% of documents):
            // it comes back as it is, without a copy.
            guard scan.finds(in: input) else { return nil }
            return WrittenUTF8.string(capacity: capacity) { output in
                rewrite(input, into: output, pass: &pass)
            }
        }
        guard var result = rewritten, pass.changed || zwnj == .keep else { return text }
        // Neither can make a composition: they drop ZWNJ or spaces only beside spaces, line
        // breaks, other ZWNJ or the text's ends.
        if zwnj == .keep && pass.keptZWNJ { result = Self.tidyZWNJ(result) }
        if zwnj == .space { result = Self.collapseSpaces(result) }
        return pass.needsComposition ? CanonicalComposition.nfc(result) : result
    }

    /// What one rewrite found.
    private struct LanguagePass {
        var changed = false
        var needsComposition = false
        /// A ZWNJ was written (under `.keep`, `tidyZWNJ` has work only then).
        var keptZWNJ = false
    }

    /// Writes `input` with the table, digit, diacritic and ZWNJ rules applied; returns the
    /// output's length.
    private func rewrite(
        _ input: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>,
        pass: inout LanguagePass
    ) -> Int {
        var count = 0
        // The last scalar written, and where its bytes start (a hamza may replace it).
        var previous: UInt32 = 0
        var previousAt = 0
        // What may break NFC: a scalar right after a changed or deleted one, and a hamza or
        // madda in the mark run of a letter changed into one they compose with.
        var afterChange = false
        var afterDeletion = false
        var changedBase = false
        var i = 0
        while i < input.count {
            let length = UTF8Bytes.length(lead: input[i])
            let original = UTF8Bytes.decode(input, at: i, length: length)
            i += length
            var v = original
            if v >= 0x0600 && v <= 0x06FF, let replacement = replacements[Int(v - 0x0600)] {
                v = replacement
            }
            v = Self.digit(v, policy: digits)
            if stripsDiacritics && Self.isStrippedDiacritic(v) {
                pass.changed = true
                afterDeletion = true
                continue
            }
            if v == 0x0654 || v == 0x0655,
                let composed = table?.compositions[LetterTable.Pair(base: previous, mark: v)],
                count > 0
            {
                count = previousAt
                v = composed
            }
            if v == 0x200C {
                switch zwnj {
                case .keep: pass.keptZWNJ = true
                case .delete:
                    pass.changed = true
                    afterDeletion = true
                    continue
                case .space: v = 0x20
                }
            }
            let replaced = v != original
            // Most scalars follow no change and need no test at all.
            if replaced || afterChange || afterDeletion || changedBase {
                if Self.isMark(v) {
                    // A mark replaced (U+065B → U+0652) may sit out of canonical order; one
                    // after a deletion may now combine with what precedes it; a hamza or madda
                    // may compose with a letter the table changed (ه → ہ, then ہ + ٔ → ۂ).
                    // Other marks keep their order and combine with nothing new: a letter
                    // changed into another leaves its harakat as they were.
                    if replaced || afterDeletion || (changedBase && (0x0653...0x0655).contains(v)) {
                        pass.needsComposition = true
                    }
                } else {
                    // A starter that composes with the one before it, after any change.
                    if (afterChange || afterDeletion || replaced)
                        && Self.composesWithStarterBefore(v)
                    {
                        pass.needsComposition = true
                    }
                    changedBase = replaced && Self.isCompositionBase(v)
                }
            }
            afterChange = replaced
            afterDeletion = false
            if replaced { pass.changed = true }
            previousAt = count
            count = UTF8Bytes.encode(v, into: output, at: count)
            previous = v
        }
        return count
    }

    /// Whether starter `v` composes with the starter before it or NFC maps it elsewhere
    /// (`needsGeneralNFC`: Hangul jamo, Brahmic vowel signs, …); letters, digits, spaces and
    /// punctuation of the scripts Khudi cleans never do.
    @inline(__always) static func composesWithStarterBefore(_ v: UInt32) -> Bool {
        Unicode.Scalar(v).map { CanonicalComposition.needsGeneralNFC(v, $0) } ?? false
    }

    /// Whether `v` is a combining mark (canonical class other than 0).
    @inline(__always) static func isMark(_ v: UInt32) -> Bool {
        if v < 0x0300 { return false }
        if v >= 0x0600 && v <= 0x06FF { return ScalarClass.isArabicMark(v) }
        guard let scalar = Unicode.Scalar(v) else { return false }
        return CanonicalComposition.combiningClass(scalar) != 0
    }

    /// Whether a hamza above or below or a madda composes canonically with letter `v`.
    @inline(__always) static func isCompositionBase(_ v: UInt32) -> Bool {
        CanonicalComposition.compose(v, 0x0653) != nil
            || CanonicalComposition.compose(v, 0x0654) != nil
            || CanonicalComposition.compose(v, 0x0655) != nil
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
