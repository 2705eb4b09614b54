/// Finds whether UTF-8 text holds any scalar a `LanguageNormalizer` rewrites (or a ZWNJ it may
/// tidy), reading every byte pair through one table without a branch per scalar.
///
/// Most text is in its language's letters already (86% of Maḵẖzan's documents under Urdu) and
/// comes back as it is; the scan decides that. Decoding scalar by scalar, the branches on
/// each scalar's length mispredicted at every space.
///
/// The table is indexed by a byte and the one after it. A pair whose first byte is a lead
/// byte is a scalar's start (continuation bytes never are leads), so every scalar is looked
/// at once: ASCII by its byte, a two-byte scalar by its pair, and a three-byte scalar by its
/// first two bytes and, where that pair leaves it open (general punctuation, which holds ZWNJ;
/// Arabic Extended-A's marks), its third byte.
struct RewriteScan: Sendable {
    /// Per pair (`first << 8 | second`): `rewritten`, `maybe` or 0.
    private let pairs: [UInt8]
    /// For three-byte scalars whose pair is `maybe`: bit `third & 0x3F` set when rewritten,
    /// per lead pair (E0 A0 … EF BF, by `(first & 0x0F) << 6 | second & 0x3F`).
    private let thirds: [UInt64]

    private static let rewritten: UInt8 = 1
    private static let maybe: UInt8 = 2

    /// The scan for `scalars`, those the normalizer rewrites (all below U+10000).
    init(scalars: [UInt32]) {
        var pairs = [UInt8](repeating: 0, count: 1 << 16)
        var thirds = [UInt64](repeating: 0, count: 1 << 10)
        for v in scalars {
            guard v < 0x10000, Unicode.Scalar(v) != nil else { continue }
            var bytes: [UInt8] = []
            UTF8Builder.append(v, to: &bytes)
            switch bytes.count {
            case 1:
                // The byte after an ASCII scalar can be anything.
                for next in 0..<256 { pairs[Int(bytes[0]) << 8 | next] = Self.rewritten }
            case 2:
                pairs[Int(bytes[0]) << 8 | Int(bytes[1])] = Self.rewritten
            default:
                pairs[Int(bytes[0]) << 8 | Int(bytes[1])] = Self.maybe
                thirds[Int(bytes[0] & 0x0F) << 6 | Int(bytes[1] & 0x3F)] |= 1 << (bytes[2] & 0x3F)
            }
        }
        self.pairs = pairs
        self.thirds = thirds
    }

    /// Whether `input` (valid UTF-8) holds a scalar the normalizer rewrites.
    func finds(in input: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = input.count
        guard n > 0 else { return false }
        return pairs.withUnsafeBufferPointer { pairs in
            // The last byte pairs with 0 (it can only be ASCII or a scalar's last byte).
            if pairs[Int(input[n - 1]) << 8] == Self.rewritten { return true }
            var start = 0
            while start < n - 1 {
                // Blocks of 64 pairs, or'ed without branches; a block that found something is
                // looked at again.
                let end = min(n - 1, start + 64)
                var found: UInt8 = 0
                for j in start..<end { found |= pairs[Int(input[j]) << 8 | Int(input[j + 1])] }
                if found & Self.rewritten != 0 { return true }
                if found & Self.maybe != 0 {
                    for j in start..<end
                    where pairs[Int(input[j]) << 8 | Int(input[j + 1])] == Self.maybe {
                        // A `maybe` pair is a three-byte lead and its second byte, so the
                        // third exists.
                        let lead = Int(input[j] & 0x0F) << 6 | Int(input[j + 1] & 0x3F)
                        if thirds[lead] & (1 << (input[j + 2] & 0x3F)) != 0 { return true }
                    }
                }
                start = end
            }
            return false
        }
    }
}
