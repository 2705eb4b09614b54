import KhudiText

/// A document's words as the quality filters read them and, optionally, the hashes of its
/// simplified words as near-duplicate detection reads them, formed in one pass over its
/// scalars.
///
/// The same as `QualityFilters.hashedWords(text)` and `TextSimplifier.wordHashes(text)`; the
/// pipeline needs both of every kept document, and two passes decoded and looped over each
/// text twice.
struct DocumentWords {
    /// The quality filters' words.
    let hashed: [QualityFilters.HashedWord]
    /// The simplified words' hashes (empty unless asked for).
    let simplifiedHashes: [UInt64]

    init(_ text: String, simplified: Bool) {
        var words = QualityFilters.WordHashing()
        var simplification = TextSimplifier.Simplification()
        var hashes = TextSimplifier.SimplifiedWordHashing()
        text.withScalarValues { scalars in
            if simplified {
                while let v = scalars.next() {
                    words.add(v)
                    simplification.add(v) { hashes.add($0) }
                }
            } else {
                while let v = scalars.next() { words.add(v) }
            }
        }
        if simplified { simplification.finish { hashes.add($0) } }
        hashed = words.finish()
        simplifiedHashes = hashes.hashes
    }
}
