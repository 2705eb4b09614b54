import Testing

@testable import KhudiText

/// Scalar values decoded from UTF-8 in place against the standard library's scalar view.
@Suite struct ScalarValuesTests {
    private func values<S: StringProtocol>(_ text: S) -> [UInt32] {
        text.withScalarValues { scalars in
            var values: [UInt32] = []
            while let v = scalars.next() { values.append(v) }
            return values
        }
    }

    @Test(arguments: [
        "", "a", "ایک دو", "آئے ۂ ؟", "\u{200C}\u{FDFA}\u{FEFF}", "😀👩‍💻", "x\u{0}y",
        "\u{7F}\u{80}\u{7FF}\u{800}\u{FFFF}\u{10000}\u{10FFFF}",
    ])
    func everyLengthOfSequenceDecodes(_ text: String) {
        #expect(values(text) == text.unicodeScalars.map(\.value))
    }

    @Test func substringsDecodeOnlyTheirOwnBytes() {
        let text = "ab ایک 😀 cd"
        let middle = text.dropFirst(3).dropLast(3)
        #expect(values(middle) == middle.unicodeScalars.map(\.value))
    }

    /// Random scalars of every UTF-8 length (surrogates are not scalars), from a fixed seed.
    @Test func randomTextDecodesAsTheScalarView() {
        var state: UInt64 = 0x5EED
        func next() -> UInt32 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt32(truncatingIfNeeded: state >> 33)
        }
        let ranges: [ClosedRange<UInt32>] = [
            0...0x7F, 0x80...0x7FF, 0x600...0x6FF, 0x800...0xD7FF, 0xE000...0xFFFF,
            0x10000...0x10FFFF,
        ]
        for _ in 0..<50 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<(next() % 200) {
                let range = ranges[Int(next() % UInt32(ranges.count))]
                let v = range.lowerBound + next() % (range.upperBound - range.lowerBound + 1)
                scalars.append(Unicode.Scalar(v)!)
            }
            let text = String(scalars)
            #expect(values(text) == text.unicodeScalars.map(\.value))
        }
    }
}
