import KhudiText

/// Replaces personal data with typed placeholders and counts each kind: e-mail addresses,
/// IPv4 and IPv6 addresses, Pakistani mobile numbers (+92 3xx xxxxxxx, 0092…, 03xx-xxxxxxx)
/// and CNIC numbers (xxxxx-xxxxxxx-x), in ASCII and Urdu (U+06F0–06F9) or Arabic-Indic digits.
///
/// The formats are Khudi's own (reference/urdu-text.md §4.8: no pipeline handles Pakistani
/// numbers). A hand-written scanner, not regular expressions, keeps this fast.
public struct PIIRedactor: Sendable {
    public enum Kind: String, CaseIterable, Codable, Sendable {
        case email
        case ipAddress = "ip_address"
        case phone, cnic

        /// The text that replaces a match.
        public var placeholder: String {
            switch self {
            case .email: "<EMAIL>"
            case .ipAddress: "<IP_ADDRESS>"
            case .phone: "<PHONE>"
            case .cnic: "<CNIC>"
            }
        }
    }

    public var kinds: Set<Kind>

    public init(kinds: Set<Kind> = Set(Kind.allCases)) {
        self.kinds = kinds
    }

    /// `text` with every match replaced, and the number of matches per kind.
    public func redact(_ text: String) -> (text: String, counts: [Kind: Int]) {
        guard Self.mayHoldPII(text) else { return (text, [:]) }
        return scan(text)
    }

    /// `redact` without the byte-level check first: every place a match may start is tried.
    func scan(_ text: String) -> (text: String, counts: [Kind: Int]) {
        let s = TextDecoding.scalars(of: text)
        var output: [UInt8] = []
        var counts: [Kind: Int] = [:]
        // Scalars before `copied` are in `output`; a text without a match is returned as it
        // came (most that hold a digit hold only dates and numbers), never re-encoded.
        var copied = 0
        func copy(upTo end: Int) {
            for scalar in s[copied..<end] { UTF8.encode(scalar) { output.append($0) } }
            copied = end
        }
        var i = 0
        while i < s.count {
            guard Self.mayStartMatch(s[i].value), let (kind, end) = match(s, at: i),
                kinds.contains(kind)
            else {
                i += 1
                continue
            }
            if counts.isEmpty { output.reserveCapacity(text.utf8.count) }
            copy(upTo: i)
            output.append(contentsOf: kind.placeholder.utf8)
            counts[kind, default: 0] += 1
            i = end
            copied = end
        }
        guard !counts.isEmpty else { return (text, [:]) }
        copy(upTo: s.count)
        return (String(decoding: output, as: UTF8.self), counts)
    }

    /// Whether a match may start at scalar `v`: every kind begins with an ASCII character
    /// (a digit, "+", a hex letter, ":" or an e-mail's local part) or an Arabic-Indic or Urdu
    /// digit, so the letters of Arabic-script text are passed over without trying each kind.
    @inline(__always) static func mayStartMatch(_ v: UInt32) -> Bool {
        v < 0x80 || digit(v) != nil
    }

    /// Whether the text may hold a match, judged on its bytes by what every kind needs: an "@"
    /// (e-mail); a ":" beside a hex digit or another ":" (IPv6); or a run of digits joined by
    /// single spaces, dashes or dots that holds ten digits (a mobile number has eleven or more,
    /// a CNIC number thirteen) or three dots (IPv4).
    ///
    /// Digits are ASCII, or the UTF-8 pairs D9 A0–A9 and DB B0–B9 of the Arabic-Indic and Urdu
    /// digits; dashes are "-" and U+2010–2013 (E2 80 90–93), as `isDash`. Text holding only
    /// dates, years and prices is returned untouched after this one scan (checking only for a
    /// digit sent most documents through the scanner: 6% of a cleaning run). A test checks the
    /// scanner finds nothing in random texts this turns away.
    static func mayHoldPII(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            let n = bytes.count
            func isHexOrColon(_ k: Int) -> Bool {
                guard k >= 0, k < n else { return false }
                switch bytes[k] {
                case 0x30...0x3A, 0x41...0x46, 0x61...0x66: return true
                default: return false
                }
            }
            var digitsInRun = 0
            var dotsInRun = 0
            var afterDigit = false
            // The separator just after a digit: 0 none, 1 a space or dash, 2 a dot.
            var separator = 0
            var i = 0
            while i < n {
                // Eight bytes with no digit, "@" or ":" (and not ending on a lead byte whose
                // digit would continue past them) cannot hold or continue a run: skip them.
                if i + 8 <= n, bytes[i + 7] != 0xD9, bytes[i + 7] != 0xDB,
                    let base = bytes.baseAddress,
                    !Self.mayMatter(ByteLanes.word(at: base + i))
                {
                    afterDigit = false
                    separator = 0
                    i += 8
                    continue
                }
                let byte = bytes[i]
                var width = 1
                var isDigit = false
                var separatorKind = 0
                switch byte {
                case 0x40: return true
                case 0x3A where isHexOrColon(i - 1) || isHexOrColon(i + 1): return true
                case 0x30...0x39: isDigit = true
                case 0x20, 0x2D: separatorKind = 1
                case 0x2E: separatorKind = 2
                case 0xD9 where i + 1 < n && (0xA0...0xA9).contains(bytes[i + 1]),
                    0xDB where i + 1 < n && (0xB0...0xB9).contains(bytes[i + 1]):
                    isDigit = true
                    width = 2
                case 0xE2
                where i + 2 < n && bytes[i + 1] == 0x80 && (0x90...0x93).contains(bytes[i + 2]):
                    separatorKind = 1
                    width = 3
                default: break
                }
                if isDigit {
                    if !afterDigit && separator == 0 {
                        digitsInRun = 0
                        dotsInRun = 0
                    }
                    if separator == 2 { dotsInRun += 1 }
                    digitsInRun += 1
                    if digitsInRun >= 10 || dotsInRun >= 3 { return true }
                    afterDigit = true
                    separator = 0
                } else if separatorKind != 0 && afterDigit {
                    separator = separatorKind
                    afterDigit = false
                } else {
                    afterDigit = false
                    separator = 0
                }
                i += width
            }
            return false
        }
    }

    /// Whether eight bytes (`ByteLanes.word`) hold an ASCII digit, ":" or "@", or an
    /// Arabic-Indic (D9 A0–A9) or Urdu (DB B0–B9) digit whose two bytes both lie within them,
    /// tested on all eight at once.
    @inline(__always) static func mayMatter(_ word: UInt64) -> Bool {
        func atLeast(_ bound: UInt8) -> UInt64 { ByteLanes.lowBitsAtLeast(word, bound) }
        let ascii = ~word & ByteLanes.topBits
        let continuation = word & ByteLanes.topBits
        let digitOrColon = ascii & atLeast(0x30) & ~atLeast(0x3B)
        let arabicIndic = continuation & atLeast(0x20) & ~atLeast(0x2A)
        let urdu = continuation & atLeast(0x30) & ~atLeast(0x3A)
        let pairs =
            ((ByteLanes.equal(word, 0xD9) << 8) & arabicIndic)
            | ((ByteLanes.equal(word, 0xDB) << 8) & urdu)
        return (digitOrColon | ByteLanes.equal(word, 0x40) | pairs) != 0
    }

    /// The value of an ASCII, Arabic-Indic or Extended Arabic-Indic digit.
    static func digit(_ v: UInt32) -> Int? {
        switch v {
        case 0x30...0x39: Int(v - 0x30)
        case 0x0660...0x0669: Int(v - 0x0660)
        case 0x06F0...0x06F9: Int(v - 0x06F0)
        default: nil
        }
    }

    static func isWordChar(_ v: UInt32) -> Bool {
        digit(v) != nil || (0x41...0x5A).contains(v) || (0x61...0x7A).contains(v)
    }

    private func match(_ s: [Unicode.Scalar], at i: Int) -> (Kind, Int)? {
        let v = s[i].value
        let previous = i > 0 ? s[i - 1].value : 0x20
        if Self.isEmailLocal(v), !Self.isEmailLocal(previous), let end = Self.email(s, at: i) {
            return (.email, end)
        }
        let startsToken = !Self.isWordChar(previous) && previous != 0x2E && previous != 0x3A
        guard startsToken else { return nil }
        if let end = Self.cnic(s, at: i) { return (.cnic, end) }
        if let end = Self.phone(s, at: i) { return (.phone, end) }
        if let end = Self.ipv4(s, at: i) { return (.ipAddress, end) }
        if let end = Self.ipv6(s, at: i) { return (.ipAddress, end) }
        return nil
    }

    // MARK: - E-mail

    /// ASCII letters, digits and .
    ///
    /// _ % + - (the local part of an address).
    static func isEmailLocal(_ v: UInt32) -> Bool {
        switch v {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2E, 0x5F, 0x25, 0x2B, 0x2D: true
        default: false
        }
    }

    static func email(_ s: [Unicode.Scalar], at start: Int) -> Int? {
        var j = start
        while j < s.count, isEmailLocal(s[j].value) { j += 1 }
        guard j > start, j < s.count, s[j] == "@" else { return nil }
        j += 1
        var labels = 0
        var labelLength = 0
        var lastLabelLetters = true
        let domainStart = j
        while j < s.count {
            let c = s[j].value
            if (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c) || (0x30...0x39).contains(c)
                || c == 0x2D
            {
                labelLength += 1
                if (0x30...0x39).contains(c) || c == 0x2D { lastLabelLetters = false }
                j += 1
            } else if c == 0x2E, labelLength > 0, j + 1 < s.count, isWordChar(s[j + 1].value) {
                labels += 1
                labelLength = 0
                lastLabelLetters = true
                j += 1
            } else {
                break
            }
        }
        guard j > domainStart, labels >= 1, labelLength >= 2, lastLabelLetters else { return nil }
        return j
    }

    // MARK: - Numbers

    /// Reads `count` digits from `j`, returning the index after them.
    static func digits(_ s: [Unicode.Scalar], _ j: Int, count: Int) -> Int? {
        guard j + count <= s.count else { return nil }
        for k in j..<(j + count) where digit(s[k].value) == nil { return nil }
        return j + count
    }

    static func isDash(_ v: UInt32) -> Bool { v == 0x2D || (0x2010...0x2013).contains(v) }

    /// True when no digit continues the number at `j`.
    static func ends(_ s: [Unicode.Scalar], _ j: Int) -> Bool {
        j >= s.count
            || digit(s[j].value) == nil
                && !(isDash(s[j].value) && j + 1 < s.count && digit(s[j + 1].value) != nil)
    }

    /// A CNIC number: ddddd-ddddddd-d.
    static func cnic(_ s: [Unicode.Scalar], at i: Int) -> Int? {
        guard var j = digits(s, i, count: 5), j < s.count, isDash(s[j].value) else { return nil }
        guard let k = digits(s, j + 1, count: 7), k < s.count, isDash(s[k].value) else {
            return nil
        }
        guard let end = digits(s, k + 1, count: 1), ends(s, end) else { return nil }
        j = end
        return j
    }

    /// +92 3xx xxxxxxx, 0092 3xx…, 92 3xx… with spaces or dashes, or 03xx-xxxxxxx.
    static func phone(_ s: [Unicode.Scalar], at i: Int) -> Int? {
        var j = i
        func skipSeparator() {
            if j < s.count, s[j] == " " || isDash(s[j].value) { j += 1 }
        }
        if s[j] == "+" {
            guard j + 2 < s.count, digit(s[j + 1].value) == 9, digit(s[j + 2].value) == 2 else {
                return nil
            }
            j += 3
            skipSeparator()
        } else if let end = digits(s, j, count: 4), digit(s[j].value) == 0,
            digit(s[j + 1].value) == 0,
            digit(s[j + 2].value) == 9, digit(s[j + 3].value) == 2
        {
            j = end
            skipSeparator()
        } else if let end = digits(s, j, count: 1), digit(s[j].value) == 0 {
            j = end
        } else {
            return nil
        }
        // The mobile operator code 3xx.
        guard let operatorEnd = digits(s, j, count: 3), digit(s[j].value) == 3 else { return nil }
        j = operatorEnd
        skipSeparator()
        // Seven subscriber digits, optionally as 3 + 4.
        if let end = digits(s, j, count: 7), ends(s, end) { return end }
        guard let first = digits(s, j, count: 3) else { return nil }
        j = first
        skipSeparator()
        guard let end = digits(s, j, count: 4), ends(s, end) else { return nil }
        return end
    }

    /// Four dot-separated numbers 0…255.
    static func ipv4(_ s: [Unicode.Scalar], at i: Int) -> Int? {
        var j = i
        for part in 0..<4 {
            var value = 0
            var length = 0
            while j < s.count, let d = digit(s[j].value), length < 3 {
                value = value * 10 + d
                length += 1
                j += 1
            }
            guard length > 0, value <= 255 else { return nil }
            if part < 3 {
                guard j < s.count, s[j] == "." else { return nil }
                j += 1
            }
        }
        guard
            j >= s.count
                || (digit(s[j].value) == nil
                    && !(s[j] == "." && j + 1 < s.count && digit(s[j + 1].value) != nil))
        else { return nil }
        return j
    }

    /// Hex groups separated by colons: eight groups, or fewer with one "::".
    static func ipv6(_ s: [Unicode.Scalar], at i: Int) -> Int? {
        var j = i
        var groups = 0
        var groupLength = 0
        var colons = 0
        var compressed = false
        while j < s.count {
            let v = s[j].value
            let isHex =
                (0x30...0x39).contains(v) || (0x41...0x46).contains(v) || (0x61...0x66).contains(v)
            if isHex {
                groupLength += 1
                if groupLength > 4 { return nil }
            } else if v == 0x3A {
                if groupLength > 0 {
                    groups += 1
                } else if j > i && s[j - 1] == ":" {
                    if compressed { return nil }
                    compressed = true
                }
                groupLength = 0
                colons += 1
            } else {
                break
            }
            j += 1
        }
        if groupLength > 0 { groups += 1 }
        if j < s.count, isWordChar(s[j].value) { return nil }
        guard colons >= 2, groups >= 2,
            (compressed && groups < 8) || (!compressed && groups == 8 && colons == 7)
        else { return nil }
        if s[j - 1] == ":" && !(j >= 2 && s[j - 2] == ":") { return nil }
        return j
    }
}
