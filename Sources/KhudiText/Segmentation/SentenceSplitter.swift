/// Splits text into sentences at ۔ ؟ ! ? and, for languages and contexts that use it, ".", with the
/// exceptions of reference/urdu-text.md §3.1: a number before ۔ at a line's or item's start (list
/// numbers, "دفعہ ۱۔"), decimals and thousands separators between digits, dots inside URLs, e-mails
/// and Latin abbreviations, year signs (2009ء, 1423ھ) which are not terminals at all, closing
/// quotes and brackets that stay with their sentence, and repeated terminals (۔۔۔, ...) that form
/// one boundary.
///
/// A newline always ends a sentence.
public enum SentenceSplitter {
    static let terminals: Set<UInt32> = [0x06D4, 0x061F, 0x21, 0x3F, 0x061E, 0x061D, 0x2E, 0x2026]
    /// Closing marks kept with the sentence when they touch its terminal.
    ///
    /// Quote marks are not mirrored in right-to-left text, so both curly forms close.
    static let closers: Set<UInt32> = [
        0x22, 0x27, 0x29, 0x5D, 0x201C, 0x201D, 0x2018, 0x2019, 0xBB, 0xAB, 0x7D,
    ]
    static let abbreviations: Set<String> = [
        "dr", "mr", "mrs", "ms", "prof", "no", "st", "vs", "etc", "inc", "ltd", "jr", "sr", "e.g",
        "i.e", "u.s", "u.k", "fig", "vol", "pp", "ed", "govt", "dept",
    ]

    /// The sentences of `text`, trimmed, empty ones dropped.
    public static func sentences(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var sentences: [String] = []
        var current = String.UnicodeScalarView()
        func finish() {
            let sentence = String(current).trimmingWhitespace()
            if !sentence.isEmpty { sentences.append(sentence) }
            current = String.UnicodeScalarView()
        }
        var i = 0
        while i < scalars.count {
            let v = scalars[i].value
            if v == 0x0A || v == 0x2029 || v == 0x2028 {
                finish()
                i += 1
                continue
            }
            current.append(scalars[i])
            guard terminals.contains(v), isBoundary(scalars, at: i, sentence: current) else {
                i += 1
                continue
            }
            // Repeated terminals and closing quotes or brackets stay with this sentence.
            var j = i + 1
            while j < scalars.count,
                terminals.contains(scalars[j].value) || closers.contains(scalars[j].value)
            {
                current.append(scalars[j])
                j += 1
            }
            finish()
            i = j
        }
        finish()
        return sentences
    }

    private static func isDigit(_ v: UInt32) -> Bool {
        (0x30...0x39).contains(v) || (0x0660...0x0669).contains(v) || (0x06F0...0x06F9).contains(v)
    }

    private static func isLatinOrDigit(_ v: UInt32) -> Bool {
        (0x41...0x5A).contains(v) || (0x61...0x7A).contains(v) || isDigit(v)
    }

    /// Whether the terminal at `i` ends a sentence.
    private static func isBoundary(
        _ s: [Unicode.Scalar], at i: Int, sentence: String.UnicodeScalarView
    ) -> Bool {
        let v = s[i].value
        let previous = i > 0 ? s[i - 1].value : 0
        let next = i + 1 < s.count ? s[i + 1].value : 0
        if v == 0x2E {
            // Decimals (3.5), URLs and e-mails (example.org), initials (U.S.): no boundary when
            // a Latin letter or digit follows directly.
            if isLatinOrDigit(previous) && isLatinOrDigit(next) { return false }
            // Latin abbreviations before the dot.
            var k = i - 1
            var word = ""
            while k >= 0, isLatinOrDigit(s[k].value) || s[k].value == 0x2E {
                word = String(s[k]) + word
                k -= 1
            }
            if abbreviations.contains(word.lowercased()) { return false }
            if word.count == 1 && word.uppercased() == word && !isDigit(previous) { return false }
        }
        if v == 0x06D4 {
            // A list or article number: ۔ right after digits that open the sentence, alone or
            // after one label word ("۱۔", "دفعہ ۱۔").
            let words = WordSplitter.words(String(String(sentence).dropLast()))
            if let last = words.last, words.count <= 2,
                last.unicodeScalars.allSatisfy({ isDigit($0.value) })
            {
                return false
            }
        }
        return true
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !Self.isSpace($0.value) }) else { return "" }
        let last = scalars.lastIndex(where: { !Self.isSpace($0.value) }) ?? first
        return String(scalars[first...last])
    }

    static func isSpace(_ v: UInt32) -> Bool {
        v == 0x20 || v == 0x09 || v == 0x0A || v == 0x0D || v == 0xA0
            || (0x2000...0x200B).contains(v)
    }
}
