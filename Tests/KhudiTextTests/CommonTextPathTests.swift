import Testing
import _KhudiTestSupport

@testable import KhudiText

/// The script stage's byte path (`normalizeCommonText`) writes exactly what the general scalar
/// path writes, wherever it does not decline; and it declines only for what it must.
@Suite struct CommonTextPathTests {
    /// Every class the two paths treat differently: letters that compose, marks of different
    /// classes (hamza and madda among them), controls, spaces in one, two and three bytes,
    /// tatweel, joiners, presentation forms, a Latin combining mark, Arabic Extended marks,
    /// emoji, CJK and Bengali (whose vowel signs compose), and C0 controls.
    static let alphabet: [String] = [
        "ا", "و", "\u{064A}", "ی", "ہ", "\u{06D5}", "ے", "ب", "ک", "a", "Z", "7", ".", "۔",
        "\u{0653}", "\u{0654}", "\u{0655}", "\u{064E}", "\u{0650}", "\u{0651}", "\u{0652}",
        "\u{0670}", "\u{0610}", "\u{065F}", "\u{06E3}", "\u{06ED}", "\u{08D3}", "\u{08F0}",
        "\u{0640}", "\u{061C}", "\u{200E}", "\u{200F}", "\u{FEFF}", "\u{00AD}", "\u{0001}",
        "\u{007F}", " ", "\t", "\n", "\r", "\u{00A0}", "\u{2003}", "\u{200B}", "\u{3000}",
        "\u{0085}", "\u{2028}", "\u{200C}", "\u{200D}", "\u{FEFB}", "\u{FE76}", "\u{FDFA}",
        "\u{FE8D}", "\u{FE8E}", "\u{FEF5}", "\u{FB8E}", "\u{FC5E}", "\u{FC5B}", "\u{FCF2}",
        "\u{FDF2}", "\u{FBB2}",
        "e", "\u{0301}", "\u{1F468}", "\u{4E2D}", "\u{09C7}", "\u{09BE}", "\u{0750}", "\u{0600}",
        "\u{201C}",
    ]

    @Test(arguments: [ScriptNormalizer.HonorificPolicy.keep, .expandToUrdu])
    func bothPathsWriteTheSame(_ honorifics: ScriptNormalizer.HonorificPolicy) {
        var random = TestRandom(seed: 31)
        let normalizer = ScriptNormalizer(honorifics: honorifics)
        var taken = 0
        let trials = 20_000
        for _ in 0..<trials {
            let raw = IdempotenceTests.randomText(&random, from: Self.alphabet, under: 14)
            var bytes = raw
            let common = bytes.withUTF8 {
                ScriptNormalizer.normalizeCommonText($0, keepingHonorifics: honorifics == .keep)
            }
            guard let common else { continue }
            taken += 1
            let general = normalizer.normalizeInGeneral(raw)
            #expect(
                Array(common.utf8) == Array(general.utf8),
                "input \(raw.unicodeScalars.map { String($0.value, radix: 16) })")
        }
        // The byte path must be exercised, not decline everything.
        #expect(taken > trials / 10)
    }

    /// Text of the kind cleaning sees (NFD Urdu, with marks, spaces and line breaks) takes the
    /// byte path; each thing it must leave to the general path makes it decline.
    @Test func declinesOnlyWhatItMust() {
        func common(_ text: String) -> String? {
            var text = text
            return text.withUTF8 {
                ScriptNormalizer.normalizeCommonText($0, keepingHonorifics: true)
            }
        }
        let urdu = "  ا\u{0653}ج  \r\nب\u{0651}\u{064E}\u{0654}  ok “x” \u{200C}ی\t"
        #expect(common(urdu) == "\u{0622}ج\nب\u{064E}\u{0651}\u{0654} ok “x” \u{200C}ی")
        #expect(common("ا\u{0640}\u{0653}") == nil)  // deletion before a mark
        #expect(common("ب\u{200D}ت") == nil)
        #expect(common("\u{FEFB}\u{FE8D}\u{0653}") == "\u{0644}\u{0627}\u{0622}")
        #expect(common("ب\u{FE76}") == nil)  // folds to a space and a mark
        // Ligatures grow the text (three bytes to four) up to a bound, then decline.
        let ligatures = String(repeating: "\u{FEFB}", count: 200)
        #expect(common(ligatures) == nil)
        #expect(ScriptNormalizer().normalize(ligatures) == String(repeating: "لا", count: 200))
        #expect(common("e\u{0301}") == nil)
        #expect(common("ب\u{08F0}") == nil)
        #expect(common("ب" + String(repeating: "\u{064E}", count: 17)) == nil)
    }

    /// Raw bytes: invalid UTF-8 (stray continuation bytes, overlong forms, surrogates, values
    /// past U+10FFFF, sequences cut short) always declines; valid bytes give what the String
    /// does.
    @Test func rawBytesAreCheckedAsTheyAreRead() {
        var random = TestRandom(seed: 59)
        let normalizer = ScriptNormalizer()
        let pieces: [[UInt8]] =
            Self.alphabet.map { Array($0.utf8) } + [
                [0x80], [0xBF], [0xC0, 0x80], [0xC1, 0xBF], [0xD8], [0xD9, 0x41],
                [0xE0, 0x80, 0x80],
                [0xED, 0xA0, 0x80], [0xF0, 0x80, 0x80, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF5],
                [0xE2, 0x80], [0xFF],
            ]
        var validTaken = 0
        for _ in 0..<20_000 {
            let bytes = (0..<Int(random.next() % 10)).flatMap { _ in
                pieces[Int(random.next() % UInt64(pieces.count))]
            }
            let result = bytes.withUnsafeBufferPointer { normalizer.normalize(utf8: $0) }
            if let valid = String(validating: bytes, as: UTF8.self) {
                if let result {
                    validTaken += 1
                    #expect(Array(result.utf8) == Array(normalizer.normalize(valid).utf8))
                }
            } else {
                #expect(result == nil, "\(bytes.map { String($0, radix: 16) })")
            }
        }
        #expect(validTaken > 1_000)
    }
}
