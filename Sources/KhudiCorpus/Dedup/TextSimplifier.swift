import Foundation
import KhudiText

/// The form documents are compared in for near-duplicate detection (as datatrove's
/// `simplify_text`): lower case, every digit run as "0", punctuation as spaces, whitespace
/// collapsed, and combining marks dropped after NFD, so آ ئ ۂ fold to their base letters and
/// harakat vanish.
///
/// Used only for hashing, never for output text.
public enum TextSimplifier {
    /// The words of `text` in simplified form.
    public static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        simplify(text) { scalar in
            if let scalar {
                current.append(scalar)
            } else {
                words.append(String(current))
                current = String.UnicodeScalarView()
            }
        }
        return words
    }

    /// The hash of each simplified word's scalars (`ByteHash.scalars` of each of
    /// `words(text)`), computed as the words are formed, without building them.
    public static func wordHashes(_ text: String) -> [UInt64] {
        var hashes: [UInt64] = []
        var h = ByteHash.offset
        simplify(text) { scalar in
            if let scalar {
                h = ByteHash.appendingValue(scalar, to: h)
            } else {
                hashes.append(h)
                h = ByteHash.offset
            }
        }
        return hashes
    }

    /// Calls `emit` with each scalar of the simplified text, and with nil after each word.
    ///
    /// ASCII and the Arabic block (nearly every scalar of the corpora) take what they become from
    /// `entries`, a table built by the same steps (`usingTables: false` takes the steps for every
    /// scalar, for the tests that compare the two).
    @inline(__always)
    static func simplify(
        _ text: String, usingTables: Bool = true, _ emit: (Unicode.Scalar?) -> Void
    ) {
        var inWord = false
        var inNumber = false
        func flush() {
            if inWord { emit(nil) }
            inWord = false
            inNumber = false
        }
        // One scalar as its entry says: the table's for ASCII and the Arabic block, worked out
        // by the same steps (`entry`, `emittedEntry`) for the rest and when not using tables.
        func take(_ entry: Entry) {
            if entry.contains(.dropped) { return }
            if entry.contains(.digit) {
                if !inNumber {
                    emit("0")
                    inWord = true
                    inNumber = true
                }
                return
            }
            if entry.contains(.separator) {
                // A decimal or thousands separator inside a number keeps the number whole.
                if !(inNumber && entry.contains(.insideNumbers)) { flush() }
                return
            }
            inNumber = false
            inWord = true
            if let scalar = Unicode.Scalar(entry.scalar) { emit(scalar) }
        }
        let table = Self.entries
        text.withScalarValues { scalars in
            while let v = scalars.next() {
                if usingTables, let entry = table[v], !entry.contains(.untabled) {
                    take(entry)
                } else if v < 0x80 || (0x0600...0x06FF).contains(v) {
                    take(entry(v))
                } else if let scalar = Unicode.Scalar(v) {
                    // Elsewhere (rare in this corpus), Foundation's lower-casing and NFD.
                    for piece in String(scalar).lowercased().decomposedStringWithCanonicalMapping
                        .unicodeScalars
                    where piece.properties.generalCategory != .nonspacingMark {
                        take(emittedEntry(piece.value))
                    }
                }
            }
        }
        flush()
    }

    /// What one scalar of ASCII or the Arabic block becomes: dropped (a mark), a digit, a
    /// separator (kept inside a number when `insideNumbers`), or the scalar it is emitted as
    /// (lower-cased, or its base letter), in the low 21 bits.
    struct Entry: OptionSet {
        let rawValue: UInt32
        static let dropped = Entry(rawValue: 1 << 31)
        static let digit = Entry(rawValue: 1 << 30)
        static let separator = Entry(rawValue: 1 << 29)
        static let insideNumbers = Entry(rawValue: 1 << 28)
        /// In the lookup table, a scalar outside ASCII and the Arabic block: worked out by
        /// Foundation's lower-casing and NFD, not by `entry`.
        static let untabled = Entry(rawValue: 1 << 27)
        var scalar: UInt32 { rawValue & 0x1F_FFFF }
    }

    /// The entry for `v` in ASCII or the Arabic block: lower-cased (ASCII), or NFD with its
    /// marks dropped (the Arabic block: a composite keeps its base letter), then classed.
    static func entry(_ v: UInt32) -> Entry {
        if v < 0x80 { return emittedEntry((0x41...0x5A).contains(v) ? v + 32 : v) }
        // U+0653–0655 (madda, hamza above and below) are what NFD splits off composites.
        if ScalarClass.isArabicMark(v) || v == 0x0653 || v == 0x0654 || v == 0x0655 {
            return .dropped
        }
        return emittedEntry(baseLetter(v))
    }

    /// The entry of a scalar already lower-cased and stripped of marks: a digit (any script's,
    /// emitted as "0"), a separator (a decimal or thousands separator kept inside numbers), or
    /// the scalar itself.
    static func emittedEntry(_ v: UInt32) -> Entry {
        if PIIRedactor.digit(v) != nil { return .digit }
        if WordSplitter.isSeparator(v) {
            switch v {
            case 0x2E, 0x2C, 0x060C, 0x066B, 0x066C: return [.separator, .insideNumbers]
            default: return .separator
            }
        }
        return Entry(rawValue: v)
    }

    private static let entries = ScalarTable { scalar in
        let v = scalar.value
        return v < 0x80 || (0x0600...0x06FF).contains(v) ? entry(v) : .untabled
    }

    /// The base letter of an Arabic canonical composite (what NFD leaves before the mark).
    ///
    /// Any other scalar is its own base. A switch, not a dictionary: it runs on every Arabic
    /// letter, and a dictionary lookup hashed each with SipHash (2% of a cleaning run).
    @inline(__always) static func baseLetter(_ v: UInt32) -> UInt32 {
        switch v {
        case 0x0622, 0x0623, 0x0625: 0x0627
        case 0x0624: 0x0648
        case 0x0626: 0x064A
        case 0x06C0: 0x06D5
        case 0x06C2: 0x06C1
        case 0x06D3: 0x06D2
        default: v
        }
    }
}
