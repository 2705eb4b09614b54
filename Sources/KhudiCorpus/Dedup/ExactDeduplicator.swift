/// Exact duplicates by a 128-bit hash of the normalized text (two independent 64-bit FNV-1a
/// variants), so memory is 16 bytes per distinct document, never the text itself.
public struct ExactDeduplicator {
    private struct Key: Hashable {
        var first: UInt64
        var second: UInt64
    }

    private var seen = Set<Key>()

    public init() {}

    /// True the first time `text` is seen, false for every repeat.
    public mutating func isFirst(_ text: String) -> Bool {
        var a: UInt64 = 0xCBF2_9CE4_8422_2325
        var b: UInt64 = 0x8422_2325_CBF2_9CE4
        for byte in text.utf8 {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            b = (b &* 0x0000_0100_0000_01B3) ^ (UInt64(byte) &+ 0x9E)
        }
        return seen.insert(Key(first: a, second: b)).inserted
    }

    /// Distinct documents seen.
    public var count: Int { seen.count }
}
