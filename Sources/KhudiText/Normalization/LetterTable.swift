/// One language's letter unification: single-letter replacements, hamza compositions and the
/// default policies, each row with its reason (reference/urdu-text.md §1.2–1.4, §2.1–2.2).
///
/// Tables never apply the Urdu merges where a language keeps the letters apart: Sindhi keeps
/// ي ه ڪ, Pashto keeps ي/ی and ۀ, Kashmiri keeps U+0654 as the vowel ə (no hamza composition).
public struct LetterTable: Sendable {
    /// Replacements applied to single scalars.
    public var replacements: [UInt32: UInt32]
    /// Base + combining hamza (U+0654/U+0655) pairs composed into one letter; NFC composes
    /// only the canonical ones, and U+06CC + U+0654 → U+0626 is not canonical.
    public var compositions: [Pair: UInt32]
    /// The ZWNJ policy this language uses unless configured otherwise.
    public var defaultZWNJ: ZWNJPolicy

    public struct Pair: Hashable, Sendable {
        public var base: UInt32
        public var mark: UInt32
    }

    /// The letters Arabic keyboards and fonts put into Urdu-convention text: Arabic yeh and alef
    /// maksura → Farsi yeh ی; Arabic kaf → keheh ک; Arabic heh → heh goal ہ; Persian ۀ → ۂ;
    /// teh marbuta ة → ۃ; AE ە → ہ; inverted small v above (wrong sukun) → sukun.
    static let urduLetters: [UInt32: UInt32] = [
        0x064A: 0x06CC, 0x0649: 0x06CC, 0x0643: 0x06A9, 0x0647: 0x06C1, 0x06C0: 0x06C2,
        0x0629: 0x06C3, 0x06D5: 0x06C1, 0x065B: 0x0652,
    ]

    /// urdunorm's HAMZA_COMPOSE_MAP: the Urdu hamza letters from base + U+0654/U+0655.
    static let urduHamza: [Pair: UInt32] = [
        Pair(base: 0x06CC, mark: 0x0654): 0x0626, Pair(base: 0x064A, mark: 0x0654): 0x0626,
        Pair(base: 0x0649, mark: 0x0654): 0x0626, Pair(base: 0x0648, mark: 0x0654): 0x0624,
        Pair(base: 0x0627, mark: 0x0654): 0x0623, Pair(base: 0x0627, mark: 0x0655): 0x0625,
        Pair(base: 0x06D2, mark: 0x0654): 0x06D3, Pair(base: 0x06C1, mark: 0x0654): 0x06C2,
        Pair(base: 0x0647, mark: 0x0654): 0x06C2,
    ]

    /// The table for `language`, or nil for languages that get script-level cleanup only
    /// (English, Roman Urdu, Persian, Arabic: Khudi does not rewrite their letters).
    public static func table(for language: Language) -> LetterTable? {
        switch language {
        case .urdu, .punjabiShahmukhi, .saraiki, .balochi:
            // Shahmukhi, Saraiki and Pakistani Balochi follow Urdu letter conventions.
            return LetterTable(
                replacements: urduLetters, compositions: urduHamza, defaultZWNJ: .delete)
        case .sindhi:
            // Sindhi writes /j/ with ي and /h/ with ه, and ڪ is k while ک is kʰ: Arabic kaf
            // becomes ڪ, Farsi yeh and alef maksura become ي. ه, ہ and ڪ are left alone.
            return LetterTable(
                replacements: [0x0643: 0x06AA, 0x06CC: 0x064A, 0x0649: 0x064A],
                compositions: [:], defaultZWNJ: .keep)
        case .pashto:
            // Pashto contrasts ي and ی and uses ه and ۀ as letters: only Arabic kaf → ک (its
            // standards' choice) and alef maksura → ی.
            return LetterTable(
                replacements: [0x0643: 0x06A9, 0x0649: 0x06CC], compositions: [:],
                defaultZWNJ: .keep)
        case .kashmiri:
            // Kashmiri follows Urdu letters but U+0654 is the vowel ə, typed after its letter:
            // no hamza composition, and ZWNJ is orthographic.
            return LetterTable(replacements: urduLetters, compositions: [:], defaultZWNJ: .keep)
        case .persian, .arabic, .english, .romanUrdu:
            return nil
        }
    }
}

/// What to do with ZERO WIDTH NON-JOINER (U+200C) (§1.9).
public enum ZWNJPolicy: String, Codable, Sendable {
    /// Leave it (Persian, Pashto, Kashmiri, Sindhi use it inside words).
    case keep
    /// Remove it, joining the halves (Urdu has no ZWNJ convention).
    case delete
    /// Replace it with a space (the halves become separate words).
    case space
}

/// Which digit code points text ends up with (§1.11).
public enum DigitPolicy: String, Codable, Sendable {
    /// Arabic-Indic ٠–٩ folded to Extended Arabic-Indic ۰–۹; ASCII left as written (default).
    case foldArabicIndic
    /// Every digit as written.
    case keep
    /// Every digit as Extended Arabic-Indic ۰–۹ (the Urdu digits).
    case urdu
    /// Every digit as ASCII 0–9.
    case ascii
}
