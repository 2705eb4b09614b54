/// Exact duplicates by a 128-bit hash of the normalized text, so memory is 16 bytes per
/// distinct document, never the text itself.
public struct ExactDeduplicator {
    struct Key: Hashable {
        var first: UInt64
        var second: UInt64
    }

    private var seen = Set<Key>()

    public init() {}

    /// True the first time `text` is seen, false for every repeat.
    public mutating func isFirst(_ text: String) -> Bool {
        var text = text
        return seen.insert(text.withUTF8(Self.key)).inserted
    }

    /// Distinct documents seen.
    public var count: Int { seen.count }

    /// The key of `bytes`: `ByteHash.pair`.
    static func key(_ bytes: UnsafeBufferPointer<UInt8>) -> Key {
        let (first, second) = ByteHash.pair(bytes)
        return Key(first: first, second: second)
    }
}
