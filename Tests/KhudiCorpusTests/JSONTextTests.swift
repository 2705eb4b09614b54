import Foundation
import Testing
import _KhudiTestSupport

@testable import KhudiCorpus

/// The shard writer's JSON string escaping: what a JSON parser reads back is the text itself.
@Suite struct JSONTextTests {
    @Test(arguments: [
        "", "سادہ متن", "a \"quoted\" word", "back\\slash", "line one\nline two\r\n\tend",
        "\u{01}\u{1F}bell\u{07}", "\"\\\n", "emoji 👩🏽‍💻 and ﷺ",
        String(repeating: "پاکستان ", count: 500),
    ])
    func parsesBackToTheText(_ text: String) throws {
        let literal = JSONText.quoted(text)
        let parsed =
            try JSONSerialization.jsonObject(
                with: Data("[\(literal)]".utf8)) as? [String]
        #expect(parsed == [text])
    }

    @Test func escapesOnlyWhatJSONRequires() {
        #expect(JSONText.quoted("a\"b\\c\nd\u{01}ے") == #""a\"b\\c\nd\u0001ے""#)
    }

    /// Texts of every length up to 40 from pieces that need escapes and pieces that do not, so
    /// each escape falls at every offset within and across the eight-byte words the scan reads:
    /// the literal is the plain byte-by-byte escape.
    @Test func escapesAtEveryOffset() {
        let pieces = ["\"", "\\", "\n", "\u{01}", "\u{1F}", " ", "a", "ی", "\u{7F}", "😀", "]"]
        func plain(_ text: String) -> [UInt8] {
            var out: [UInt8] = [0x22]
            for byte in text.utf8 {
                switch byte {
                case 0x22, 0x5C: out += [0x5C, byte]
                case 0x0A: out += Array(#"\n"#.utf8)
                case 0x0D: out += Array(#"\r"#.utf8)
                case 0x09: out += Array(#"\t"#.utf8)
                case 0..<0x20: out += Array(String(format: #"\u%04x"#, byte).utf8)
                default: out.append(byte)
                }
            }
            return out + [0x22]
        }
        var random = TestRandom(seed: 5)
        for length in 0...40 {
            for _ in 0..<40 {
                let text = (0..<length).map { _ in
                    pieces[Int(random.next() % UInt64(pieces.count))]
                }.joined()
                let same = Array(JSONText.quoted(text).utf8) == plain(text)
                #expect(same, "\(text.debugDescription)")
            }
        }
    }

    /// Scores print as `String(format: "%.4f")` does, halves and their neighbours included.
    @Test func scoresPrintAsPrintfDoes() {
        var random = TestRandom(seed: 17)
        var values: [Double] = [
            0, 1, 0.5, 0.00005, 0.00015, 0.12345, 0.99995, 0.999949999, 1e-9, 2.5,
        ]
        for k in 0...10_000 {
            let half = (Double(k) + 0.5) / 10_000
            values += [half, half.nextUp, half.nextDown, Double(k) / 10_000]
        }
        for _ in 0..<100_000 {
            values.append(Double(random.next() % 1_000_000_007) / 1_000_000_007)
        }
        var differing = 0
        for x in values where JSONText.fixedFour(x) != String(format: "%.4f", x) { differing += 1 }
        #expect(differing == 0)
    }
}
