import Testing
import _KhudiTestSupport

@testable import KhudiTokenizer

@Suite struct PieceCountTableTests {
    /// Random keys (with many repeats, lengths 0–20 so every tail length is hit, and keys that
    /// differ only by trailing zero bytes) counted by the table and by a Dictionary agree, past
    /// several growths of the table.
    @Test func countsAgreeWithADictionary() {
        var generator = TestRandom(seed: 7)
        var table = PieceCountTable()
        var reference: [[UInt8]: Int64] = [:]
        var order: [[UInt8]] = []
        for _ in 0..<20_000 {
            let length = Int(generator.next() % 21)
            // A small alphabet makes repeats common.
            let key = (0..<length).map { _ in UInt8(generator.next() % 3) }
            let amount = Int64(generator.next() % 5) + 1
            table.add(key, amount)
            if reference[key] == nil { order.append(key) }
            reference[key, default: 0] += amount
        }
        #expect(table.count == reference.count)
        #expect(table.count > 4096)  // grew past its first sizes
        #expect(table.dictionary == reference)
        var seen: [[UInt8]] = []
        table.forEach { key, _ in seen.append(Array(key)) }
        #expect(seen == order)  // insertion order, whatever the hashes
    }

    @Test func keysDifferingOnlyInTrailingZerosStayApart() {
        var table = PieceCountTable()
        for key: [UInt8] in [
            [], [0], [0, 0], [0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 0],
        ] {
            table.add(key)
        }
        table.add([0, 0])
        #expect(table.count == 5)
        #expect(table.dictionary[[0, 0]] == 2)
        #expect(table.dictionary[[]] == 1)
    }
}
