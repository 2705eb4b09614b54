import Testing
import _KhudiTestSupport

@testable import KhudiText

/// The byte-pair scan finds a rewritten scalar exactly when one is there, wherever it sits
/// (block edges, the last byte) and whatever surrounds it.
@Suite struct RewriteScanTests {
    static let alphabet: [UInt32] = [
        0x20, 0x0A, 0x41, 0x35, 0x0627, 0x0643, 0x064A, 0x06CC, 0x0654, 0x0661, 0x06F5, 0x064E,
        0x200C, 0x200D, 0x201C, 0x2014, 0x08D3, 0x08F0, 0x08A0, 0x0E01, 0x1F600, 0x00E9,
    ]

    @Test func findsExactlyTheRewrittenScalars() {
        var random = TestRandom(seed: 41)
        let sets: [Set<UInt32>] = [
            [], [0x35], [0x0643], [0x200C], [0x08F0], [0x0661, 0x06F5, 0x08D3, 0x200C, 0x35],
        ]
        for rewritten in sets {
            let scan = RewriteScan(scalars: Array(rewritten))
            for _ in 0..<2_000 {
                let length = Int(random.next() % 150)
                let scalars = (0..<length).map { _ in
                    Self.alphabet[Int(random.next() % UInt64(Self.alphabet.count))]
                }
                var text = String(String.UnicodeScalarView(scalars.compactMap(Unicode.Scalar.init)))
                let expected = scalars.contains { rewritten.contains($0) }
                let found = text.withUTF8 { scan.finds(in: $0) }
                #expect(
                    found == expected, "\(rewritten) in \(scalars.map { String($0, radix: 16) })")
            }
        }
    }
}
