/// The byte-level counts the quality rules read, taken in one pass over a document's UTF-8.
///
/// The rules used to walk the text once per count (code points, newlines, '#', ellipses, the
/// Arabic comma), and the pipeline once more for the length rule; one pass over the contiguous
/// bytes replaces the six.
public struct TextCensus: Equatable, Sendable {
    /// Code points: the bytes that do not continue a sequence (valid UTF-8, being a String).
    public var scalars = 0
    /// Line feeds.
    public var newlines = 0
    /// Number signs ('#'), for Gopher's hash-to-word ratio.
    public var numberSigns = 0
    /// "..." (non-overlapping runs of three dots) and "…".
    public var ellipses = 0
    /// Whether U+060C ARABIC COMMA (D8 8C) occurs: a lead byte then its continuation, so the
    /// pair cannot occur inside another character.
    public var hasArabicComma = false

    public init(_ text: String) {
        var text = text
        text.withUTF8 { count($0) }
    }

    private mutating func count(_ bytes: UnsafeBufferPointer<UInt8>) {
        var dots = 0
        var twoBack: UInt8 = 0
        var oneBack: UInt8 = 0
        for byte in bytes {
            if byte & 0xC0 != 0x80 { scalars += 1 }
            switch byte {
            case 0x0A: newlines += 1
            case 0x23: numberSigns += 1
            case 0x8C where oneBack == 0xD8: hasArabicComma = true
            case 0xA6 where oneBack == 0x80 && twoBack == 0xE2: ellipses += 1
            default: break
            }
            if byte == 0x2E {
                dots += 1
                if dots == 3 {
                    ellipses += 1
                    dots = 0
                }
            } else {
                dots = 0
            }
            twoBack = oneBack
            oneBack = byte
        }
    }
}
