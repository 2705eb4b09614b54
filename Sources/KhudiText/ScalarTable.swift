/// A per-scalar value computed once for ASCII and the Arabic block (U+0600–06FF), the scalars
/// of nearly every text Khudi cleans, so that hot loops look it up instead of testing ranges;
/// other scalars are left to the function the table was built from.
///
/// Public and frozen so that other modules specialize the lookup: as a package type its
/// inlinable subscript was called unspecialized from KhudiCorpus (the filters' word pass and
/// the dedup simplifier), through generic value witnesses, about 5% of a cleaning run.
@frozen public struct ScalarTable<Value> {
    @usableFromInline let ascii: [Value]
    @usableFromInline let arabicBlock: [Value]

    /// The table of `value` (which stays the definition: callers use it for every other scalar).
    public init(_ value: (Unicode.Scalar) -> Value) {
        ascii = (0..<0x80).map { value(Unicode.Scalar(UInt8($0))) }
        arabicBlock = (0x0600...0x06FF).map { value(Unicode.Scalar(UInt32($0)) ?? "\u{FFFD}") }
    }

    /// The value for scalar `v`, or nil outside ASCII and the Arabic block.
    @inlinable @inline(__always) public subscript(_ v: UInt32) -> Value? {
        if v < 0x80 { return ascii[Int(v)] }
        if v >= 0x0600 && v <= 0x06FF { return arabicBlock[Int(v - 0x0600)] }
        return nil
    }
}

extension ScalarTable: Sendable where Value: Sendable {}
