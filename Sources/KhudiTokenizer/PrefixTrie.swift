/// A trie over pieces spelled in units (UTF-8 bytes, or Unicode scalars), for finding every
/// piece that starts at a position: the lattice of Unigram encoding and of Unigram training.
struct PrefixTrie<Unit: FixedWidthInteger & UnsignedInteger>: Sendable {
    /// Child of (node, unit), keyed `node << 21 | unit` (a scalar fits in 21 bits).
    private var children: [UInt64: Int32] = [:]
    /// The piece ending at each node, or -1.
    private var pieceAt: [Int32] = [-1]

    /// A trie of `pieces`, each with its id.
    init(_ pieces: some Sequence<(units: [Unit], id: Int)>) {
        children.reserveCapacity(pieces.underestimatedCount * 2)
        for (piece, id) in pieces {
            var node = 0
            for unit in piece {
                let key = Self.key(node, unit)
                if let next = children[key] {
                    node = Int(next)
                } else {
                    pieceAt.append(-1)
                    children[key] = Int32(pieceAt.count - 1)
                    node = pieceAt.count - 1
                }
            }
            pieceAt[node] = Int32(id)
        }
    }

    private static func key(_ node: Int, _ unit: Unit) -> UInt64 {
        UInt64(node) << 21 | UInt64(unit)
    }

    /// Calls `body(end, id)` for each piece that is a prefix of `units[start...]`, shortest first.
    func forEachPrefix(of units: [Unit], from start: Int, _ body: (Int, Int) -> Void) {
        var node = 0
        var index = start
        while index < units.count, let next = children[Self.key(node, units[index])] {
            node = Int(next)
            index += 1
            if pieceAt[node] >= 0 { body(index, Int(pieceAt[node])) }
        }
    }
}
