/// How much of a text is in which script, by code-point ranges (Swift exposes no script
/// property), and which language-specific letters it uses (reference/urdu-text.md §2.3).
public struct ScriptProfile: Equatable, Sendable {
    public var arabicLetters = 0
    public var latinLetters = 0
    public var otherLetters = 0
    public var digits = 0
    /// Letters only Sindhi uses among the languages Khudi knows (ڪ ۾ ۽ ٺ ٽ ٿ ڀ ڊ ڌ ڍ ڏ ڙ ڦ ڱ ڻ).
    public var sindhiLetters = 0
    /// Letters only Pashto uses (ځ څ ډ ړ ږ ښ ګ ڼ ې ۍ ټ).
    public var pashtoLetters = 0
    /// Kashmiri letters and vowel signs (ؠ ٲ ۄ U+065A U+065F).
    public var kashmiriLetters = 0
    /// Letters Urdu-convention languages share but Persian and Arabic lack (ٹ ڈ ڑ ں ے ھ).
    public var urduLetters = 0

    /// Counts the letters of `text`.
    public init(_ text: String) {
        var tally = Tally()
        for scalar in text.unicodeScalars { tally.add(scalar.value, scalar) }
        self.init(tally)
    }

    /// The profile of the scalars `tally` saw.
    init(_ tally: Tally) {
        let sums = tally.sums
        digits = Int(sums[0])
        latinLetters = Int(sums[1])
        arabicLetters = Int(sums[2])
        otherLetters = Int(sums[3])
        sindhiLetters = Int(sums[4])
        pashtoLetters = Int(sums[5])
        kashmiriLetters = Int(sums[6])
        urduLetters = Int(sums[7])
    }

    /// Scalars counted eight counters at a time: each scalar adds its `Counts` bits as a
    /// vector of 0s and 1s (adding to eight counters behind eight branches was most of the
    /// profile's time).
    ///
    /// Scalars of ASCII and of the Arabic block take their counts from tables made by
    /// `classify` itself (one load instead of a chain of range tests per letter); the rest go
    /// through `classify`.
    struct Tally {
        /// Lanes in `Counts` bit order: digit, Latin, Arabic, other, Sindhi, Pashto, Kashmiri,
        /// Urdu.
        var sums = SIMD8<Int32>()
        /// The shared tables, held here: read through their static properties, every scalar
        /// paid a `swift_once` check (2% of a cleaning run).
        private let table = ScriptProfile.table
        private let increments = ScriptProfile.increments

        @inline(__always) mutating func add(_ v: UInt32, _ scalar: Unicode.Scalar) {
            let counts = table[v] ?? ScriptProfile.classify(scalar)
            sums &+= increments[Int(counts.rawValue)]
        }
    }

    /// Each `Counts` value's bits as a vector of 0s and 1s.
    fileprivate static let increments: [SIMD8<Int32>] = (0..<256).map { raw in
        SIMD8<Int32>((0..<8).map { Int32((raw >> $0) & 1) })
    }

    /// What one scalar adds: bits for digit, Latin, Arabic, other, Sindhi, Pashto, Kashmiri and
    /// Urdu letters.
    struct Counts: OptionSet {
        let rawValue: UInt8
        static let digit = Counts(rawValue: 1)
        static let latin = Counts(rawValue: 2)
        static let arabic = Counts(rawValue: 4)
        static let other = Counts(rawValue: 8)
        static let sindhi = Counts(rawValue: 16)
        static let pashto = Counts(rawValue: 32)
        static let kashmiri = Counts(rawValue: 64)
        static let urdu = Counts(rawValue: 128)
    }

    fileprivate static let table = ScalarTable(classify)

    /// The counts one scalar adds.
    static func classify(_ scalar: Unicode.Scalar) -> Counts {
        let v = scalar.value
        switch v {
        case 0x30...0x39, 0x0660...0x0669, 0x06F0...0x06F9: return .digit
        case 0x41...0x5A, 0x61...0x7A, 0xC0...0x24F: return .latin
        case 0x06FD, 0x06FE:
            // ۽ and ۾ are symbols (So) in Unicode but whole words in Sindhi.
            return [.arabic, .sindhi]
        default:
            if ScalarClass.isArabicLetter(v) {
                switch v {
                case 0x06AA, 0x067A, 0x067D, 0x067F, 0x0680, 0x068A, 0x068C,
                    0x068D, 0x068F, 0x0699, 0x06A6, 0x06B1, 0x06BB:
                    return [.arabic, .sindhi]
                case 0x0681, 0x0685, 0x0689, 0x0693, 0x0696, 0x069A, 0x06AB, 0x06BC, 0x06D0,
                    0x06CD, 0x067C:
                    return [.arabic, .pashto]
                case 0x0620, 0x0672, 0x06C4: return [.arabic, .kashmiri]
                case 0x0679, 0x0688, 0x0691, 0x06BA, 0x06D2, 0x06BE: return [.arabic, .urdu]
                default: return .arabic
                }
            }
            if v == 0x065A || v == 0x065F { return .kashmiri }
            // Spaces, ASCII punctuation and marks: no letter, and no need for the standard
            // library's property lookup, which took 2% of a cleaning run.
            if v < 0x80 || ScalarClass.isArabicMark(v) { return [] }
            return scalar.properties.isAlphabetic ? .other : []
        }
    }

    /// All letters counted.
    public var letters: Int { arabicLetters + latinLetters + otherLetters }

    /// The script most letters are in.
    public var dominantScript: Script {
        if letters == 0 { return .none }
        if arabicLetters >= latinLetters && arabicLetters >= otherLetters { return .arabic }
        return latinLetters >= otherLetters ? .latin : .other
    }

    public enum Script: String, Sendable {
        case arabic, latin, other, none
    }
}
