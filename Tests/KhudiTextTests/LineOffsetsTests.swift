import Testing

@testable import KhudiText

/// Line offsets found with memchr against the standard library's split of the UTF-8 view.
@Suite struct LineOffsetsTests {
    @Test(arguments: [
        "", "\n", "\n\n", "ایک", "ایک\nدو", "\nایک\n\nدو\n", "a\r\nb", "😀\n\n😀", "x\n",
    ])
    func linesMatchTheUTF8Split(_ text: String) {
        let expected = text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).map {
            String(Substring($0))
        }
        let lines = text.lineOffsets().map { String(text.substring(utf8Offsets: $0)) }
        #expect(lines == expected)
    }

    @Test func offsetsCountBytesNotCharacters() {
        #expect("ایک\nدو".lineOffsets() == [0..<6, 7..<11])
    }
}
