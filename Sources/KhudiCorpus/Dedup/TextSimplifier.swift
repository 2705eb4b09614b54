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
        simplify(text) { value in
            if let value {
                current.append(Unicode.Scalar(value) ?? "\u{FFFD}")
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
        var hashes = SimplifiedWordHashing(bytes: text.utf8.count)
        simplify(text) { hashes.add($0) }
        return hashes.hashes
    }

    /// The hashes of simplified words, formed from what `simplify` emits.
    struct SimplifiedWordHashing {
        private(set) var hashes: [UInt64] = []
        private var h = ByteHash.offset

        /// Room for the words of a text of `bytes` UTF-8 bytes (see `WordHashing`).
        init(bytes: Int = 0) {
            hashes.reserveCapacity(DocumentWords.expectedWords(bytes: bytes))
        }

        /// Takes one emitted scalar value, or the end of a word (nil).
        @inline(__always) mutating func add(_ emitted: UInt32?) {
            if let emitted {
                h = ByteHash.appendingValue(emitted, to: h)
            } else {
                hashes.append(h)
                h = ByteHash.offset
            }
        }
    }

    /// Calls `emit` with each scalar of the simplified text, and with nil after each word.
    ///
    /// Scalars below U+0700, General Punctuation and the honorific ligatures (nearly every
    /// scalar of the corpora) take what they become from tables built by the same steps
    /// (`usingTables: false` takes the steps for every scalar, for the tests that compare the
    /// two).
    @inline(__always)
    static func simplify(
        _ text: String, usingTables: Bool = true, _ emit: (UInt32?) -> Void
    ) {
        var simplification = Simplification(usingTables: usingTables)
        text.withScalarValues { scalars in
            while let v = scalars.next() { simplification.add(v, emit) }
        }
        simplification.finish(emit)
    }

    /// The simplifier's state between scalars, for the passes that read the scalars themselves
    /// (`simplify`, and `DocumentWords`, which forms the quality filters' words in the same
    /// pass).
    struct Simplification {
        private var inWord = false
        private var inNumber = false
        private let usingTables: Bool
        private let table = TextSimplifier.entries

        init(usingTables: Bool = true) {
            self.usingTables = usingTables
        }

        /// Simplifies scalar `v`, calling `emit` with what it becomes (nothing, or a scalar
        /// value, or nil after a word it ends).
        @inline(__always) mutating func add(_ v: UInt32, _ emit: (UInt32?) -> Void) {
            if usingTables, let entry = table[v] ?? TextSimplifier.punctuationEntry(v),
                !entry.contains(.untabled)
            {
                take(entry, emit)
            } else if v < 0x80 || (0x0600...0x06FF).contains(v) {
                take(TextSimplifier.entry(v), emit)
            } else {
                // Elsewhere, Foundation's lower-casing and NFD (a few microseconds a scalar).
                for entry in TextSimplifier.foundationEntries(v) { take(entry, emit) }
            }
        }

        /// Ends the last word.
        mutating func finish(_ emit: (UInt32?) -> Void) { flush(emit) }

        @inline(__always) private mutating func flush(_ emit: (UInt32?) -> Void) {
            if inWord { emit(nil) }
            inWord = false
            inNumber = false
        }

        /// One scalar as its entry says.
        @inline(__always) private mutating func take(_ entry: Entry, _ emit: (UInt32?) -> Void) {
            if entry.contains(.dropped) { return }
            if entry.contains(.digit) {
                if !inNumber {
                    emit(0x30)
                    inWord = true
                    inNumber = true
                }
                return
            }
            if entry.contains(.separator) {
                // A decimal or thousands separator inside a number keeps the number whole.
                if !(inNumber && entry.contains(.insideNumbers)) { flush(emit) }
                return
            }
            inNumber = false
            inWord = true
            emit(entry.scalar)
        }
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
        /// In a lookup table, a scalar that Foundation's lower-casing and NFD turn into more
        /// than one scalar: worked out each time it is read.
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

    /// What Foundation's steps make of a scalar outside ASCII and the Arabic block: its
    /// lower-cased NFD pieces without their nonspacing marks, each as an entry.
    static func foundationEntries(_ v: UInt32) -> [Entry] {
        guard let scalar = Unicode.Scalar(v) else { return [] }
        return String(scalar).lowercased().decomposedStringWithCanonicalMapping.unicodeScalars
            .filter { $0.properties.generalCategory != .nonspacingMark }
            .map { emittedEntry($0.value) }
    }

    /// The one entry that stands for `foundationEntries(v)`: none is a dropped scalar, one is
    /// itself, more are left `.untabled` to be worked out when read.
    static func tabledEntry(_ v: UInt32) -> Entry {
        let pieces = foundationEntries(v)
        return pieces.isEmpty ? .dropped : pieces.count == 1 ? pieces[0] : .untabled
    }

    /// ASCII and the Arabic block by `entry`, Latin-1 by Foundation's steps worked out once
    /// (Foundation takes microseconds a scalar: with the punctuation below, 1% of a cleaning
    /// run of Maḵẖzan went on a few thousand curly quotes, ellipses and Latin-1 signs), and
    /// U+0100–05FF left to Foundation when read (working out all of them cost 4 ms a process).
    fileprivate static let entries = ScalarTable { scalar -> Entry in
        switch scalar.value {
        case 0..<0x80, 0x0600...0x06FF: entry(scalar.value)
        case 0x80..<0x100: tabledEntry(scalar.value)
        default: .untabled
        }
    }

    /// Foundation's steps worked out once for General Punctuation (curly quotes, dashes,
    /// ellipsis, bullet, ZWNJ) and the honorific ligatures (ﷺ ﷲ ﷻ), the scalars above U+0700
    /// that script-normalized text keeps most.
    private static let punctuationEntries: [Entry] = (0x2000..<0x2070).map(tabledEntry)
    private static let ligatureEntries: [Entry] = (0xFDF0..<0xFE00).map(tabledEntry)

    /// `punctuationEntries` or `ligatureEntries` for `v`, or nil outside them.
    static func punctuationEntry(_ v: UInt32) -> Entry? {
        switch v {
        case 0x2000..<0x2070: punctuationEntries[Int(v - 0x2000)]
        case 0xFDF0..<0xFE00: ligatureEntries[Int(v - 0xFDF0)]
        default: nil
        }
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
