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
        let bytes = text.utf8.count
        // The states live inside the closure and come out as its result: mutated as captured
        // variables, they were loaded and stored through memory at every scalar.
        (hashed, simplifiedHashes) = text.withScalarValues { scalars in
            var words = QualityFilters.WordHashing(bytes: bytes)
            guard simplified else {
                while let v = scalars.next() { words.add(v) }
                return (words.finish(), [])
            }
            var simplification = TextSimplifier.Simplification()
            var hashes = TextSimplifier.SimplifiedWordHashing(bytes: bytes)
            while let v = scalars.next() {
                words.add(v)
                simplification.add(v) { hashes.add($0) }
            }
            simplification.finish { hashes.add($0) }
            return (words.finish(), hashes.hashes)
        }
    }

    /// About how many words a text of `bytes` UTF-8 bytes has: Urdu averages a word per 10–11
    /// bytes (two-byte letters and a space), English one per 5–6; a list reserved for one per
    /// 8 grows at most once for either.
    static func expectedWords(bytes: Int) -> Int { bytes / 8 + 8 }
}
