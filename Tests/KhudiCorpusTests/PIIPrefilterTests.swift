import Testing

@testable import KhudiCorpus

/// The byte-level check that lets most texts skip the PII scanner must never turn away a text
/// the scanner would redact something in.
@Suite struct PIIPrefilterTests {
    /// SplitMix64, so every run tries the same texts.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Pieces of numbers, addresses and the text around them, ASCII, Urdu and Arabic-Indic.
    static let pieces = [
        "0", "3", "9", "2", "1", "5", "0300", "321", "1234567", "7654", "35202", "+92", "0092",
        "۰", "۳", "۱۲۳۴۵۶۷", "٠٣", "٣٥٢", " ", " ", "-", ".", "\u{2010}", "\u{2013}", ":", "::",
        "@",
        "a", "f", "e80", "b.co", "x", "ک", "،", ",", "\n", "192.168", "10.25", "ab", "۔",
        // Whole matches, which the pieces around them may extend or break.
        "0300-1234567", "+92 321 7654321", "35202-1234567-1", "192.168.10.25", "a@b.co",
        "fe80::1", "۰۳۰۰ ۱۲۳۴۵۶۷", "0092-300-123 4567", "0300-0000000", "00000-0000000-0",
        "۰۰۰۰۰۰۰", "0.0.0.0",
    ]

    @Test func textsTurnedAwayHoldNothingTheScannerFinds() {
        var generator = Generator(state: 7)
        let redactor = PIIRedactor()
        var checked = 0
        var turnedAway = 0
        for _ in 0..<20_000 {
            var text = ""
            for _ in 0..<Int.random(in: 1...14, using: &generator) {
                text += Self.pieces[Int.random(in: 0..<Self.pieces.count, using: &generator)]
            }
            let found = redactor.scan(text).counts
            if !PIIRedactor.mayHoldPII(text) {
                turnedAway += 1
                #expect(found.isEmpty, "turned away, but the scanner finds \(found) in '\(text)'")
            }
            if !found.isEmpty { checked += 1 }
        }
        // The texts exercise both sides: many hold a match, many are turned away.
        #expect(checked > 2_000)
        #expect(turnedAway > 2_000)
    }

    @Test func datesYearsAndPricesAreTurnedAway() {
        for text in [
            "سال 2024 میں 1,500 روپے", "12-05-2019 کو", "۱۲.۰۵.۲۰۱۹", "ورژن 1.2.3", "مثال: یہ",
            "صفحہ ۲۳۴ سے ۲۴۰ تک",
        ] {
            #expect(!PIIRedactor.mayHoldPII(text), "\(text)")
        }
        for text in ["a@b", "10:30", "0300-1234567", "192.168.1.1", "۳۵۲۰۲-۱۲۳۴۵۶۷-۱"] {
            #expect(PIIRedactor.mayHoldPII(text), "\(text)")
        }
    }
}
