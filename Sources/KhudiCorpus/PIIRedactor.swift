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
        guard Self.mayHoldPII(text.utf8) else { return (text, [:]) }
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

    /// Whether the text holds "@", ":" or a digit, one of which every kind of match needs.
    ///
    /// Digits are ASCII, or the UTF-8 pairs D9 A0–A9 and DB B0–B9 of the Arabic-Indic and Urdu
    /// digits. Most documents hold none and are returned untouched after one byte scan.
    static func mayHoldPII(_ bytes: String.UTF8View) -> Bool {
        var previous: UInt8 = 0
        for byte in bytes {
            if (0x30...0x3A).contains(byte) || byte == 0x40 { return true }
            if previous == 0xD9 && (0xA0...0xA9).contains(byte) { return true }
            if previous == 0xDB && (0xB0...0xB9).contains(byte) { return true }
            previous = byte
        }
        return false
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
