import Testing
import _KhudiTestSupport

@testable import KhudiTokenizer

@Suite struct MergeTests {
    static let letters: [Character] = ["a", "b", "c", "d"]

    /// Four letters (ids 0–3), and merges learned on random words so that many overlap.
    static func model() throws -> BytePairEncoding {
        var random = TestRandom(seed: 11)
        var counter = PreTokenCounter(
            preTokenization: .regex(try RegexPreTokenizer(pattern: #"\S+"#)))
        for _ in 0..<300 {
            counter.add(String((0..<12).map { _ in Self.letters[Int(random.next() % 4)] }))
        }
        return try ByteLevelTokenizer.train(
            counter, vocabularySize: 7 + 256 + 60, minimumFrequency: 1
        ).model
    }

    @Test func heapMergingEqualsScanning() throws {
        let model = try Self.model()
        var random = TestRandom(seed: 12)
        for length in [2, 3, 25, 60, 200, 600] {
            for _ in 0..<20 {
                let symbols = (0..<length).map { _ in
                    7 + Int(Self.letters[Int(random.next() % 4)].asciiValue ?? 0)
                }
                #expect(model.mergeWithHeap(symbols) == model.mergeByScanning(symbols))
            }
        }
    }
}
