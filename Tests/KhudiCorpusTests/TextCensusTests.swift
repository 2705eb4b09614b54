import Testing

@testable import KhudiCorpus

/// The one-pass byte counts the filters read, against their definitions counted the plain way.
@Suite struct TextCensusTests {
    /// Ellipses counted from their definition: "…" each, and runs of dots in threes.
    func ellipses(_ text: String) -> Int {
        var count = text.unicodeScalars.count(where: { $0 == "…" })
        var run = 0
        for scalar in text.unicodeScalars {
            if scalar == "." {
                run += 1
            } else {
                count += run / 3
                run = 0
            }
        }
        return count + run / 3
    }

    @Test(arguments: [
        "", "a", "...", "....", "......", "..", ". . .", "…", "……x...", "ختم...\nشروع…",
        "#ٹیگ ## #\n\n", "کتاب، قلم", "،", "۔\u{060C}", "e\u{0301}😀\n\n...#",
        "\u{2026}.\u{2026}..", "بات …… ختم۔. . .",
    ])
    func countsMatchTheirDefinitions(_ text: String) {
        let census = TextCensus(text)
        #expect(census.scalars == text.unicodeScalars.count)
        #expect(census.newlines == text.unicodeScalars.count(where: { $0 == "\n" }))
        #expect(census.numberSigns == text.unicodeScalars.count(where: { $0 == "#" }))
        #expect(census.ellipses == ellipses(text))
        #expect(census.hasArabicComma == text.unicodeScalars.contains("\u{060C}"))
    }

    /// Texts of every length from 0 to 80 built from the pieces the counts look for, so each
    /// one falls at every offset within and across the eight-byte words the census reads.
    @Test func randomTextsAtEveryLengthAndOffset() {
        let pieces = [
            ".", "..", "…", "،", "\n", "#", "ی", "a", " ", "\u{0608}", "\u{008C}", "€", "😀", "ں",
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            var text = ""
            let target = Int.random(in: 0...80, using: &generator)
            while text.utf8.count < target {
                text += pieces[Int.random(in: 0..<pieces.count, using: &generator)]
            }
            countsMatchTheirDefinitions(text)
        }
    }

    @Test func aLeadByteBeforeAnotherCharacterIsNoComma() {
        // U+0608 (D8 88) then U+008C (C2 8C): the bytes D8 and 8C are not adjacent.
        #expect(TextCensus("\u{0608}\u{008C}").hasArabicComma == false)
        #expect(TextCensus("\u{0608}\u{060C}").hasArabicComma)
    }
}
