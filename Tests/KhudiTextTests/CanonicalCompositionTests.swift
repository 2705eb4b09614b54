import Foundation
import Testing
import _KhudiTestSupport

@testable import KhudiText

/// Khudi's NFC fast path agrees with Foundation's NFC on random Arabic-script text with marks,
/// and falls back to it for everything else.
@Suite struct CanonicalCompositionTests {
    static let pieces: [String] = [
        "ا", "و", "ي", "ی", "ہ", "ە", "ے", "ب", "\u{0653}", "\u{0654}", "\u{0655}", "\u{064E}",
        "\u{0650}", "\u{0651}",
        "\u{0652}", "\u{0670}", "\u{0610}", "\u{065F}", "\u{06E3}", " ", "a", "e", "\u{0301}",
        "\u{0323}", "\u{212B}", "1",
    ]

    @Test func agreesWithFoundation() {
        var random = TestRandom(seed: 11)
        for _ in 0..<5_000 {
            let text = (0..<Int(random.next() % 12)).map { _ in
                Self.pieces[Int(random.next() % UInt64(Self.pieces.count))]
            }.joined()
            let ours = CanonicalComposition.nfc(text)
            let foundation = text.precomposedStringWithCanonicalMapping
            #expect(
                Array(ours.unicodeScalars) == Array(foundation.unicodeScalars),
                "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }

    /// Every scalar the fast path keeps from Foundation is one NFC leaves alone, and is not the
    /// second half of a composition with a starter (the Bengali vowel sign AA of ো, Myanmar's
    /// U+102E of ဦ): each scalar's full decomposition has no starter after its first scalar
    /// that the fast path would pass.
    @Test func whatTheFastPathPassesFoundationWouldNotChange() {
        var missed: [String] = []
        for v in UInt32(0x0300)..<0x3_0000 {
            guard let scalar = Unicode.Scalar(v) else { continue }
            let text = String(scalar)
            let passes = !CanonicalComposition.needsGeneralNFC(v, scalar)
            if passes, !ScalarClass.isArabicMark(v),
                text.precomposedStringWithCanonicalMapping.unicodeScalars.map(\.value) != [v]
            {
                missed.append(String(v, radix: 16))
            }
            let parts = Array(text.decomposedStringWithCanonicalMapping.unicodeScalars)
            for part in parts.dropFirst()
            where part.properties.canonicalCombiningClass.rawValue == 0
                && !CanonicalComposition.needsGeneralNFC(part.value, part)
            {
                missed.append("\(String(part.value, radix: 16)) in \(String(v, radix: 16))")
            }
        }
        #expect(missed.isEmpty, "\(missed.prefix(20))")
    }
}
