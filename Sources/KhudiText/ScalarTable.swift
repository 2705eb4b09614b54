/// A per-scalar value computed once for every scalar below U+0700 (ASCII, Latin, Greek,
/// Cyrillic, Hebrew and the Arabic block: the scalars of nearly every text Khudi cleans), so
/// that hot loops look it up instead of testing ranges; other scalars are left to the function
/// the table was built from.
///
/// One contiguous range: a lookup tests one bound, which text of ASCII spaces and Arabic
/// letters always passes. Two ranges (ASCII, then the Arabic block) tested a bound that flipped
/// at every space and mispredicted about twice a word in every word pass.
///
/// Public and frozen so that other modules specialize the lookup: as a package type its
/// inlinable subscript was called unspecialized from KhudiCorpus (the filters' word pass and
/// the dedup simplifier), through generic value witnesses, about 5% of a cleaning run.
@frozen public struct ScalarTable<Value> {
    @usableFromInline let values: [Value]

    /// Scalars below this are looked up.
    static var end: UInt32 { 0x0700 }

    /// The table of `value` (which stays the definition: callers use it for every other scalar).
    public init(_ value: (Unicode.Scalar) -> Value) {
        values = (0..<Self.end).map { value(Unicode.Scalar($0) ?? "\u{FFFD}") }
    }

    /// The value for scalar `v`, or nil from U+0700 on.
    @inlinable @inline(__always) public subscript(_ v: UInt32) -> Value? {
        v < 0x0700 ? values[Int(v)] : nil
    }
}

extension ScalarTable: Sendable where Value: Sendable {}
