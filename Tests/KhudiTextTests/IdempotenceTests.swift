import Foundation
import KhudiText
import Testing
import _KhudiTestSupport

/// Normalizing twice changes nothing, for random strings built from the characters that
/// exercise every rule (a seeded property test).
@Suite struct IdempotenceTests {
    static let alphabet: [String] = [
        "ا", "ب", "ک", "ی", "ے", "ہ", "ھ", "ئ", "و", "ن", "ں", "\u{064A}", "\u{0643}", "\u{0647}",
        "\u{0649}", "\u{06AA}", "\u{06C0}", "\u{0629}", "\u{06D5}", "\u{0654}", "\u{0655}",
        "\u{0653}",
        "\u{064E}", "\u{0650}", "\u{0651}", "\u{0670}", "\u{0615}", "\u{FEFB}", "\u{FE8D}",
        "\u{FE76}",
        "\u{FE77}", "\u{FC5E}", "\u{FCF2}", "\u{FDFA}", "\u{FDF2}", "\u{200C}", "\u{200D}",
        "\u{200B}",
        "\u{200F}", "\u{FEFF}", "\u{00AD}", "\u{0640}", " ", "  ", "\n", "\t", "\u{00A0}",
        "\u{0661}",
        "\u{06F5}", "7", "a", "Z", "\u{1F468}", "\u{1F469}", ".", "۔", "\u{0001}",
    ]

    static func randomText(
        _ random: inout TestRandom, from letters: [String] = alphabet, under maximum: UInt64 = 24
    ) -> String {
        let length = Int(random.next() % maximum)
        return (0..<length).map { _ in letters[Int(random.next() % UInt64(letters.count))] }
            .joined()
    }

    /// `language`'s normalizer under every ZWNJ policy, with and without stripping, each with
    /// a label for failure messages.
    static func normalizers(for language: Language) -> [(LanguageNormalizer, String)] {
        let policies: [ZWNJPolicy] = [.keep, .delete, .space]
        return policies.flatMap { zwnj in
            [false, true].map { strips in
                (
                    LanguageNormalizer(
                        language: language, digits: .urdu, zwnj: zwnj, stripsDiacritics: strips),
                    "\(language) \(zwnj) strip=\(strips)"
                )
            }
        }
    }

    @Test func scriptNormalizationIsIdempotent() {
        var random = TestRandom(seed: 2026)
        for policy in [ScriptNormalizer.HonorificPolicy.keep, .expandToUrdu] {
            let normalizer = ScriptNormalizer(honorifics: policy)
            for _ in 0..<3_000 {
                let text = Self.randomText(&random)
                let once = normalizer.normalize(text)
                let twice = normalizer.normalize(once)
                #expect(
                    Array(once.unicodeScalars) == Array(twice.unicodeScalars),
                    "input \(text.unicodeScalars.map { String($0.value, radix: 16) })")
            }
        }
    }

    @Test(arguments: Language.allCases)
    func languageNormalizationIsIdempotent(_ language: Language) {
        var random = TestRandom(seed: 7)
        let script = ScriptNormalizer()
        for (normalizer, label) in Self.normalizers(for: language) {
            for _ in 0..<400 {
                let text = script.normalize(Self.randomText(&random))
                let once = normalizer.normalize(text)
                let twice = normalizer.normalize(once)
                #expect(
                    Array(once.unicodeScalars) == Array(twice.unicodeScalars),
                    "\(label) input \(text.unicodeScalars.map { String($0.value, radix: 16) })")
            }
        }
    }
}

/// The language stage recomposes only where its changes may have broken NFC; its output must
/// be NFC all the same, whatever the language and policies.
@Suite struct LanguageNormalizationStaysNFCTests {
    /// The idempotence alphabet plus marks whose canonical classes differ (U+065B → U+0652 is
    /// an Urdu-table replacement that changes a mark's class) and a Latin pair NFC composes.
    static let alphabet =
        IdempotenceTests.alphabet + [
            "\u{065B}", "\u{0652}", "\u{065F}", "\u{0656}", "e", "\u{0301}", "\u{0327}", "\u{0654}",
            "\u{200C}",
        ]

    @Test(arguments: Language.allCases)
    func outputIsNFC(_ language: Language) {
        var random = TestRandom(seed: 11)
        let script = ScriptNormalizer()
        for (normalizer, label) in IdempotenceTests.normalizers(for: language) {
            for _ in 0..<400 {
                let raw = IdempotenceTests.randomText(&random, from: Self.alphabet, under: 16)
                let out = normalizer.normalize(script.normalize(raw))
                #expect(
                    Array(out.unicodeScalars)
                        == Array(out.precomposedStringWithCanonicalMapping.unicodeScalars),
                    "\(label) input \(raw.unicodeScalars.map { String($0.value, radix: 16) })")
            }
        }
    }

    /// The script stage alone: it recomposes only after a fold or where a deletion brought a
    /// mark next to what came before, and its output must still be NFC.
    @Test(arguments: [ScriptNormalizer.HonorificPolicy.keep, .expandToUrdu])
    func scriptOutputIsNFC(_ honorifics: ScriptNormalizer.HonorificPolicy) {
        var random = TestRandom(seed: 23)
        let script = ScriptNormalizer(honorifics: honorifics)
        for _ in 0..<3_000 {
            let raw = IdempotenceTests.randomText(&random, from: Self.alphabet, under: 16)
            let out = script.normalize(raw)
            #expect(
                Array(out.unicodeScalars)
                    == Array(out.precomposedStringWithCanonicalMapping.unicodeScalars),
                "input \(raw.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }

    /// A deleted tatweel or control between a letter and a mark: the mark now follows the
    /// letter, and composes with it (ا + ٓ → آ).
    @Test func aDeletionBeforeAMarkRecomposes() {
        #expect(ScriptNormalizer().normalize("\u{0627}\u{0640}\u{0653}") == "\u{0622}")
        #expect(ScriptNormalizer().normalize("\u{0627}\u{200F}\u{0654}") == "\u{0623}")
    }

    /// U+065B after U+0655 becomes U+0652, whose class (34) sorts before U+0655's (220).
    @Test func aReplacedMarkIsPutBackInCanonicalOrder() {
        let text = ScriptNormalizer().normalize("پر\u{065B}\u{0655}")
        let out = LanguageNormalizer(language: .kashmiri).normalize(text)
        #expect(Array(out.unicodeScalars) == Array("پر\u{0652}\u{0655}".unicodeScalars))
    }
}
