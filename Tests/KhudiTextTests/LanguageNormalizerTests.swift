import KhudiText
import Testing

/// Per-language letter tables: the Urdu merges, and the languages that must not get them.
@Suite struct LanguageNormalizerTests {
    static let cases: [(name: String, language: Language, input: String, expected: String)] = [
        (
            "Urdu: Arabic yeh, kaf, heh", .urdu, "\u{064A}\u{0643}\u{0647}",
            "\u{06CC}\u{06A9}\u{06C1}"
        ),
        ("Urdu: alef maksura", .urdu, "عل\u{0649}", "عل\u{06CC}"),
        ("Urdu: Farsi yeh + hamza composes", .urdu, "\u{06CC}\u{0654}", "\u{0626}"),
        ("Urdu: Arabic yeh + hamza composes", .urdu, "\u{064A}\u{0654}", "\u{0626}"),
        ("Urdu: heh goal + hamza", .urdu, "درج\u{06C1}\u{0654}", "درج\u{06C2}"),
        ("Urdu: Arabic heh + hamza", .urdu, "\u{0647}\u{0654}", "\u{06C2}"),
        ("Urdu: Persian heh with yeh", .urdu, "\u{06C0}", "\u{06C2}"),
        ("Urdu: teh marbuta", .urdu, "زکو\u{0670}\u{0629}", "زکو\u{0670}\u{06C3}"),
        ("Urdu: yeh barree + hamza", .urdu, "\u{06D2}\u{0654}", "\u{06D3}"),
        ("Urdu: do-chashmi heh is never merged", .urdu, "بھائی", "بھائی"),
        (
            "Urdu: Arabic-Indic digits fold to Urdu digits", .urdu, "\u{0661}\u{0662} 34 \u{06F5}",
            "\u{06F1}\u{06F2} 34 \u{06F5}"
        ),
        ("Urdu: ZWNJ deleted", .urdu, "خوش\u{200C}نما", "خوشنما"),
        ("Urdu: Sindhi kaf is left alone", .urdu, "\u{06AA}", "\u{06AA}"),
        ("Sindhi keeps ي ه ڪ", .sindhi, "\u{064A}\u{0647}\u{06AA}", "\u{064A}\u{0647}\u{06AA}"),
        ("Sindhi: Arabic kaf becomes ڪ", .sindhi, "\u{0643}", "\u{06AA}"),
        ("Sindhi: Farsi yeh becomes ي", .sindhi, "\u{06CC}", "\u{064A}"),
        ("Sindhi keeps ک (kʰ)", .sindhi, "\u{06A9}", "\u{06A9}"),
        ("Pashto keeps ۀ", .pashto, "\u{06C0}", "\u{06C0}"),
        ("Pashto keeps ي and ی apart", .pashto, "\u{064A}\u{06CC}", "\u{064A}\u{06CC}"),
        ("Pashto keeps ه", .pashto, "\u{0647}", "\u{0647}"),
        ("Pashto: Arabic kaf becomes ک", .pashto, "\u{0643}", "\u{06A9}"),
        ("Pashto keeps ZWNJ", .pashto, "د\u{200C}ا", "د\u{200C}ا"),
        ("Kashmiri keeps U+0654 after yeh", .kashmiri, "\u{06CC}\u{0654}", "\u{06CC}\u{0654}"),
        (
            "Kashmiri keeps U+0654 after alef maksura's yeh", .kashmiri, "\u{0649}\u{0654}",
            "\u{06CC}\u{0654}"
        ),
        ("Kashmiri unifies Arabic yeh", .kashmiri, "\u{064A}", "\u{06CC}"),
        ("Shahmukhi follows Urdu", .punjabiShahmukhi, "\u{0643}\u{064A}", "\u{06A9}\u{06CC}"),
        (
            "Shahmukhi keeps retroflex ݨ and ن + small tah", .punjabiShahmukhi,
            "\u{0768}\u{0646}\u{0615}", "\u{0768}\u{0646}\u{0615}"
        ),
        (
            "Saraiki keeps implosives", .saraiki, "\u{067B}\u{0684}\u{0759}\u{06B3}",
            "\u{067B}\u{0684}\u{0759}\u{06B3}"
        ),
        (
            "Balochi follows Urdu, keeps ءَ", .balochi, "\u{0621}\u{064E}\u{0643}",
            "\u{0621}\u{064E}\u{06A9}"
        ),
        ("English is left alone", .english, "Kaf \u{0643}", "Kaf \u{0643}"),
    ]

    @Test(arguments: cases)
    func normalizes(_ c: (name: String, language: Language, input: String, expected: String)) {
        let output = LanguageNormalizer(language: c.language).normalize(c.input)
        #expect(Array(output.unicodeScalars) == Array(c.expected.unicodeScalars), "\(c.name)")
    }

    @Test func zwnjPolicies() {
        let text = "می\u{200C}\u{200C}روم \u{200C}خوش\u{200C}"
        #expect(
            LanguageNormalizer(language: .urdu, zwnj: .keep).normalize(text) == "می\u{200C}روم خوش")
        #expect(LanguageNormalizer(language: .urdu, zwnj: .delete).normalize(text) == "میروم خوش")
        #expect(LanguageNormalizer(language: .urdu, zwnj: .space).normalize(text) == "می روم خوش")
    }

    @Test func digitPolicies() {
        let text = "\u{0661}2\u{06F3}"
        #expect(LanguageNormalizer(language: .urdu, digits: .keep).normalize(text) == text)
        #expect(
            LanguageNormalizer(language: .urdu, digits: .urdu).normalize(text)
                == "\u{06F1}\u{06F2}\u{06F3}")
        #expect(LanguageNormalizer(language: .urdu, digits: .ascii).normalize(text) == "123")
    }

    @Test func diacriticsAreKeptByDefaultAndStrippedOnRequest() {
        let text = "عِلْم آ\u{0626}"
        #expect(LanguageNormalizer(language: .urdu).normalize(text) == text)
        #expect(
            LanguageNormalizer(language: .urdu, stripsDiacritics: true).normalize(text)
                == "علم آ\u{0626}")
    }

    /// Text needing nothing comes back as it is; one scalar needing a rule, at the very end of
    /// a long text in each encoding length, is still found (the stage scans before rewriting).
    @Test func aSingleRewriteAtTheEndIsFound() {
        let clean = String(repeating: "یہ کتاب ہے، سال میں۔ ok “x”\n", count: 50)
        #expect(LanguageNormalizer(language: .urdu).normalize(clean) == clean)
        let cases: [(LanguageNormalizer, String, String)] = [
            (LanguageNormalizer(language: .urdu), "\u{0643}", "\u{06A9}"),
            (LanguageNormalizer(language: .urdu), "\u{0661}", "\u{06F1}"),
            (LanguageNormalizer(language: .urdu, digits: .urdu), "7", "\u{06F7}"),
            (LanguageNormalizer(language: .urdu, digits: .ascii), "\u{06F7}", "7"),
            (LanguageNormalizer(language: .urdu), "ی\u{0654}", "\u{0626}"),
            (LanguageNormalizer(language: .urdu), "ب\u{200C}ب", "بب"),
            (LanguageNormalizer(language: .urdu, zwnj: .keep), "ب\u{200C}\u{200C}ب", "ب\u{200C}ب"),
            (LanguageNormalizer(language: .urdu, stripsDiacritics: true), "ب\u{08F0}", "ب"),
            (LanguageNormalizer(language: .urdu, stripsDiacritics: true), "ب\u{064E}", "ب"),
        ]
        for (normalizer, tail, expected) in cases {
            let output = normalizer.normalize(clean + tail)
            #expect(
                output.unicodeScalars.elementsEqual((clean + expected).unicodeScalars),
                "\(normalizer.language) \(tail.unicodeScalars.map { String($0.value, radix: 16) }) gave \(output.unicodeScalars.suffix(4).map { String($0.value, radix: 16) })"
            )
        }
    }

    /// A letter the table changes into one a hamza composes with takes the hamza even past its
    /// harakat (NFC: fatha's class 30 does not block hamza's 230), while harakat after a
    /// changed letter stay as they were.
    @Test func aChangedLetterTakesTheHamzaAfterItsHarakat() {
        // Sindhi writes ی as ي, and ي + ٔ is ئ.
        #expect(
            Array(
                LanguageNormalizer(language: .sindhi).normalize("ی\u{064E}\u{0654}").unicodeScalars)
                == ["\u{0626}", "\u{064E}"])
        // Kashmiri writes ه as ہ (no table hamza), and ہ + ٔ is ۂ.
        #expect(
            Array(
                LanguageNormalizer(language: .kashmiri).normalize("ه\u{0650}\u{0654}")
                    .unicodeScalars)
                == ["\u{06C2}", "\u{0650}"])
        #expect(
            Array(
                LanguageNormalizer(language: .urdu).normalize("ي\u{0652}ك\u{064F}").unicodeScalars)
                == ["\u{06CC}", "\u{0652}", "\u{06A9}", "\u{064F}"])
    }
}
