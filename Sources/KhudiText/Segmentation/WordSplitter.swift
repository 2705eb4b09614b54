/// Splits text into words the way Khudi's filters count them: on whitespace (including newlines)
/// and on punctuation, Arabic (۔ ، ؟ ؛ ٪ ٫ ٬ …) and ASCII alike.
///
/// Combining marks and ZWNJ stay inside their word (Python's `\W` would cut کِتاب into ک and تاب).
/// Digits and symbols are words of their own kind; `isAlphabetic` tells them apart.
public enum WordSplitter {
    /// Whether `v` ends a word.
    @inline(__always) public static func isSeparator(_ v: UInt32) -> Bool {
        switch v {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x2000...0x200B, 0x2028, 0x2029, 0x202F, 0x3000:
            return true
        case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E:
            return true  // ASCII punctuation and symbols
        case 0x060C, 0x060D, 0x061B, 0x061E, 0x061F, 0x066A...0x066D, 0x06D4, 0x06DD, 0x06DE:
            return true  // Arabic punctuation
        case 0x2010...0x2027, 0x2030...0x205E, 0xAB, 0xBB, 0xBF, 0xA1:
            return true  // dashes, quotes, ellipsis and other general punctuation
        default:
            return false
        }
    }

    /// The words of `text`, in order.
    public static func words(_ text: String) -> [Substring] {
        var words: [Substring] = []
        var start: String.Index?
        let scalars = text.unicodeScalars
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let separator = isSeparator(scalars[index].value)
            if separator, let wordStart = start {
                words.append(text[wordStart..<index])
                start = nil
            } else if !separator && start == nil {
                start = index
            }
            index = scalars.index(after: index)
        }
        if let wordStart = start { words.append(text[wordStart..<text.endIndex]) }
        return words
    }

    /// Whether `word` contains at least one letter (Python's `any(c.isalpha())`).
    public static func isAlphabetic(_ word: Substring) -> Bool {
        word.unicodeScalars.contains { isLetter($0) }
    }

    /// Whether `scalar` is a letter, with range checks for ASCII and Arabic before the (slow)
    /// Unicode property lookup.
    @inline(__always) public static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x80 { return (0x41...0x5A).contains(v) || (0x61...0x7A).contains(v) }
        if (0x0600...0x06FF).contains(v) { return ScalarClass.isArabicLetter(v) }
        return scalar.properties.isAlphabetic && !ScalarClass.isArabicMark(v)
    }
}
