import KhudiText
import Testing

/// Script-level cases from reference/urdu-text.md §1, one trap per row.
@Suite struct ScriptNormalizerTests {
    static let cases: [(name: String, input: String, expected: String)] = [
        ("NFD madda composes", "\u{0627}\u{0653}ج", "\u{0622}ج"),
        ("lam-alef ligature", "\u{FEFB}", "\u{0644}\u{0627}"),
        ("isolated and final forms", "\u{FE8D}\u{FE91}\u{FEEA}", "\u{0627}\u{0628}\u{0647}"),
        ("Urdu presentation forms", "\u{FB8E}\u{FBA6}\u{FBFC}", "\u{06A9}\u{06C1}\u{06CC}"),
        ("FE70-FE7F keeps only the mark, on the letter", "ب\u{FE76}", "ب\u{064E}"),
        ("FE71 tatweel+mark keeps only the mark", "ب\u{FE77}ت", "ب\u{064E}ت"),
        ("a spacing mark form after a space vanishes", "ب \u{FE76}ت", "ب ت"),
        ("honorific kept", "نبی \u{FDFA}", "نبی \u{FDFA}"),
        ("bismillah kept", "\u{FDFD}", "\u{FDFD}"),
        (
            "bidi controls removed", "\u{200F}ایک\u{200E} \u{202B}دو\u{202C}\u{2067}\u{2069}",
            "ایک دو"
        ),
        (
            "ALM, BOM, soft hyphen, word joiner removed", "\u{FEFF}\u{061C}ک\u{00AD}ت\u{2060}اب",
            "کتاب"
        ),
        ("ZWSP becomes a space", "ایک\u{200B}دو", "ایک دو"),
        ("tatweel removed", "کـــتاب", "کتاب"),
        ("ZWJ between Arabic letters removed", "ک\u{200D}ت", "کت"),
        (
            "ZWJ in an emoji sequence kept", "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}",
            "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}"
        ),
        ("ZWJ after a letter before an emoji kept", "ک\u{200D}\u{1F600}", "ک\u{200D}\u{1F600}"),
        ("ZWNJ untouched at script level", "خوش\u{200C}نما", "خوش\u{200C}نما"),
        ("whitespace collapsed and trimmed", "  ایک\t\u{00A0} دو  \r\n\n\n تین ", "ایک دو\nتین"),
        ("C0 controls removed, newline kept", "ا\u{0001}ب\u{0007}\nج", "اب\nج"),
        ("diacritics kept", "عِلْم", "عِلْم"),
        ("letters are not unified here", "\u{064A}\u{0643}\u{0647}", "\u{064A}\u{0643}\u{0647}"),
        ("Latin and digits untouched", "GPT-2 ½ ﬁ 123", "GPT-2 ½ ﬁ 123"),
    ]

    @Test(arguments: cases)
    func normalizes(_ c: (name: String, input: String, expected: String)) {
        let output = ScriptNormalizer().normalize(c.input)
        #expect(Array(output.unicodeScalars) == Array(c.expected.unicodeScalars), "\(c.name)")
    }

    @Test func honorificsCanBeSpelledOutInUrdu() {
        let normalizer = ScriptNormalizer(honorifics: .expandToUrdu)
        #expect(
            normalizer.normalize("نبی \u{FDFA} اور \u{FDF2}") == "نبی صلی اللہ علیہ وسلم اور اللہ")
    }
}
