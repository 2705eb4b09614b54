/// Pre-token counts kept apart per group of documents (a language, with the weight its source
/// or language is given), so that a small language can be given more than its natural share of
/// the vocabulary before training.
///
/// A weight multiplies a group's counts: weight 3 counts Sindhi as if there were three times as
/// much of it. With every weight 1 the combined counts are exactly those of one plain `Counter`.
public struct MixtureCounter: Sendable {
    /// Documents counted together: their language ("" when unknown) and weight.
    public struct Group: Hashable, Comparable, Sendable {
        public var language: String
        public var weight: Double

        public init(language: String, weight: Double) {
            self.language = language
            self.weight = weight
        }

        public static func < (a: Group, b: Group) -> Bool {
            (a.language, a.weight) < (b.language, b.weight)
        }
    }

    private let prototype: PreTokenCounter
    public private(set) var counters: [Group: PreTokenCounter] = [:]

    /// Counts with `prototype`'s splitting (its counts are ignored).
    public init(_ prototype: PreTokenCounter) {
        var empty = prototype
        empty.removeAll()
        self.prototype = empty
    }

    /// Counts `texts`, all of `group`, across `threads` threads.
    public mutating func add(contentsOf texts: [String], group: Group, threads: Int) {
        var counter = counters.removeValue(forKey: group) ?? prototype
        counter.add(contentsOf: texts, threads: threads)
        counters[group] = counter
    }

    /// Bytes read over all groups.
    public var bytes: Int { counters.values.reduce(0) { $0 + $1.bytes } }

    /// Distinct pre-tokens summed over groups (an upper bound on the combined count).
    public var distinctPreTokens: Int { counters.values.reduce(0) { $0 + $1.distinctCount } }

    /// One counter holding every group's counts multiplied by its weight.
    public func combined() -> PreTokenCounter {
        var result = prototype
        for group in counters.keys.sorted() {
            if let counter = counters[group] { result.merge(counter, weight: group.weight) }
        }
        return result
    }

    /// Each group's bytes, and its share of the text before and after weighting.
    public func shares() -> [(group: Group, bytes: Int, share: Double, weightedShare: Double)] {
        let total = Double(max(bytes, 1))
        let weightedTotal = counters.reduce(0.0) { $0 + Double($1.value.bytes) * $1.key.weight }
        return counters.keys.sorted().map { group in
            let bytes = counters[group]?.bytes ?? 0
            return (
                group, bytes, Double(bytes) / total,
                Double(bytes) * group.weight / max(weightedTotal, 1)
            )
        }
    }
}
