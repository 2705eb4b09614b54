import Foundation
import Testing

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
}
