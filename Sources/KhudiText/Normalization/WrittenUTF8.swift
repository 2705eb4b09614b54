/// Strings made from the UTF-8 that Khudi's normalizers write themselves.
enum WrittenUTF8 {
    /// The String of the UTF-8 that `write` puts into a scratch buffer of `capacity` bytes
    /// (returning how many it wrote), copied into the String without being validated again.
    ///
    /// The normalizers write only scalars they decoded from valid UTF-8, encoded again or
    /// copied as they were, so what they write is valid by construction.
    /// `String(unsafeUninitializedCapacity:initializingUTF8With:)` validated it all the same:
    /// about 25 ms per 10 MB of Urdu (3.5% of a cleaning run) where the copy costs 4 ms. Debug
    /// builds, where the tests run, still validate every string made here.
    static func string(
        capacity: Int, _ write: (UnsafeMutableBufferPointer<UInt8>) -> Int
    ) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(capacity, 1)) { buffer in
            let count = write(buffer)
            let written = UnsafeBufferPointer(rebasing: buffer[..<count])
            #if DEBUG
                precondition(
                    (try? UTF8Span(validating: written.span)) != nil,
                    "a normalizer wrote invalid UTF-8")
            #endif
            return String(copying: UTF8Span(unchecked: written.span))
        }
    }
}
