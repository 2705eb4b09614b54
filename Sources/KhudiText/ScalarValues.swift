/// The values of the Unicode scalars in valid UTF-8, decoded in place.
///
/// Hot word passes (the quality filters', near-duplicate detection's, the language-ID
/// featurizer's) read scalar values from a String's UTF-8 through this instead of its scalar
/// view, whose iterator dispatched every scalar through a jump table that mispredicted at each
/// change between ASCII spaces and two-byte Arabic letters. Here a lead byte picks its length
/// by at most three compares, ASCII and two-byte letters by one and two.
@frozen public struct UTF8ScalarValues: IteratorProtocol {
    @usableFromInline let bytes: UnsafeBufferPointer<UInt8>
    @usableFromInline var offset = 0

    /// The scalars of `bytes`, which must be valid UTF-8 (a String's are).
    @inlinable public init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// The next scalar's value, or nil after the last.
    @inlinable @inline(__always) public mutating func next() -> UInt32? {
        guard offset < bytes.count else { return nil }
        let i = offset
        let b0 = UInt32(bytes[i])
        if b0 < 0x80 {
            offset = i + 1
            return b0
        }
        if b0 < 0xE0 {
            offset = i + 2
            return (b0 & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F)
        }
        if b0 < 0xF0 {
            offset = i + 3
            return (b0 & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6
                | UInt32(bytes[i + 2] & 0x3F)
        }
        offset = i + 4
        return (b0 & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12
            | UInt32(bytes[i + 2] & 0x3F) << 6 | UInt32(bytes[i + 3] & 0x3F)
    }
}

extension StringProtocol {
    /// Runs `body` with an iterator over the text's scalar values: over its UTF-8 in place when
    /// that is contiguous (a native String's or Substring's), over a copy otherwise.
    @inlinable @inline(__always)
    public func withScalarValues<R>(_ body: (inout UTF8ScalarValues) -> R) -> R {
        if let result = utf8.withContiguousStorageIfAvailable({ bytes -> R in
            var scalars = UTF8ScalarValues(bytes)
            return body(&scalars)
        }) {
            return result
        }
        return Array(utf8).withUnsafeBufferPointer { bytes in
            var scalars = UTF8ScalarValues(bytes)
            return body(&scalars)
        }
    }
}
