import Foundation

/// NFC for the text Khudi sees most: a fast path that handles Arabic-script and ASCII text
/// itself (canonical ordering of marks and the eight Arabic canonical compositions) and hands
/// anything else that NFC could change to Foundation.
///
/// The fast path applies when every combining mark in the text is an Arabic mark and no scalar
/// is one of the few that NFC replaces outright (singletons, Hangul jamo, CJK compatibility
/// ideographs). Under that condition its result equals Foundation's; the tests compare the two.
public enum CanonicalComposition {
    /// The primary composites of the Arabic block: (base, mark) → letter.
    static func compose(_ base: UInt32, _ mark: UInt32) -> UInt32? {
        switch (base, mark) {
        case (0x0627, 0x0653): 0x0622
        case (0x0627, 0x0654): 0x0623
        case (0x0648, 0x0654): 0x0624
        case (0x0627, 0x0655): 0x0625
        case (0x064A, 0x0654): 0x0626
        case (0x06D5, 0x0654): 0x06C0
        case (0x06C1, 0x0654): 0x06C2
        case (0x06D2, 0x0654): 0x06D3
        default: nil
        }
    }

    /// Whether Foundation must do the work: a non-Arabic combining mark, a scalar NFC maps to
    /// something else, or a starter that composes with the starter before it (Bengali, Oriya,
    /// Tamil, Malayalam, Sinhala, Tibetan, Myanmar and Balinese vowel signs; Hangul jamo).
    ///
    /// The ranges are wider than the exact sets (the whole of U+09BE–0FB9, and U+10000–16FFF
    /// where historic and Brahmic scripts compose), which only sends such text to Foundation.
    /// A test checks every scalar against Foundation.
    ///
    /// Below U+0300 and in the Arabic block (nearly every scalar Khudi sees) the answer is no,
    /// given inline: a call per scalar cost the NFC scans a third of their time.
    @inline(__always) static func needsGeneralNFC(_ v: UInt32, _ scalar: Unicode.Scalar) -> Bool {
        if v < 0x0300 || (0x0600...0x06FF).contains(v) { return false }
        return needsGeneralNFCElsewhere(v, scalar)
    }

    /// `needsGeneralNFC` outside ASCII, Latin-1 and the Arabic block.
    private static func needsGeneralNFCElsewhere(_ v: UInt32, _ scalar: Unicode.Scalar) -> Bool {
        switch v {
        case 0x0340...0x0344, 0x0374, 0x037E, 0x0387, 0x0958...0x095F, 0x09BE...0x0FB9,
            0x102E, 0x1100...0x11FF, 0x1B35,
            0x1F71...0x1FFD, 0x2000...0x2001, 0x2126...0x212B, 0x2329...0x232A, 0x2ADC,
            0xAC00...0xD7A3,
            0xF900...0xFAFF, 0xFB1D...0xFB4E, 0x10000...0x16FFF, 0x1D15E...0x1D1C0,
            0x2F800...0x2FA1D:
            return true
        default:
            return scalar.properties.canonicalCombiningClass.rawValue != 0
                && !ScalarClass.isArabicMark(v)
        }
    }

    /// `text`'s scalars in NFC (what the script normalizer walks, without a String between).
    ///
    /// The scalars are collected while the text is checked for what the fast path cannot do,
    /// in one pass (checking first and decoding after walked the text twice).
    static func nfcScalars(_ text: String) -> [Unicode.Scalar] {
        var hasMarks = false
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if v >= 0x0300 {
                if needsGeneralNFC(v, scalar) {
                    return Array(text.precomposedStringWithCanonicalMapping.unicodeScalars)
                }
                // After the first mark no other needs looking for.
                if !hasMarks && ScalarClass.isArabicMark(v) { hasMarks = true }
            }
            scalars.append(scalar)
        }
        if hasMarks { composeInPlace(&scalars) }
        return scalars
    }

    /// The canonical combining class of an Arabic mark, from a table built once (the Unicode
    /// property lookup is slow, and NFD text has a mark every few letters).
    @inline(__always) static func combiningClass(_ scalar: Unicode.Scalar) -> UInt8 {
        let v = scalar.value
        if v >= 0x0600 && v < 0x0900 { return arabicClasses[Int(v - 0x0600)] }
        return scalar.properties.canonicalCombiningClass.rawValue
    }

    /// The canonical combining class of `v`, one of U+0600–08FF.
    @inline(__always) static func arabicClass(_ v: UInt32) -> UInt8 {
        arabicClasses[Int(v - 0x0600)]
    }

    private static let arabicClasses: [UInt8] = (0x0600..<0x0900).map {
        Unicode.Scalar(UInt32($0))?.properties.canonicalCombiningClass.rawValue ?? 0
    }

    /// `text` in NFC.
    public static func nfc(_ text: String) -> String {
        // Most text has no marks at all: one scan, no copies.
        var hasMarks = false
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if v < 0x0300 { continue }
            if needsGeneralNFC(v, scalar) { return text.precomposedStringWithCanonicalMapping }
            if !hasMarks && ScalarClass.isArabicMark(v) { hasMarks = true }
        }
        guard hasMarks else { return text }
        return UTF8Builder.string(nfc(TextDecoding.scalars(of: text)))
    }

    /// `scalars` (already known to need no general NFC) in NFC.
    static func nfc(_ input: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var scalars = input
        composeInPlace(&scalars)
        return scalars
    }

    /// Puts `scalars` (already known to need no general NFC) in NFC where they are.
    ///
    /// One pass: each run of marks is ordered when reached, then every scalar is written back
    /// at or before its place (composition only shortens). Ordering all runs first and
    /// composing into a new array walked and copied the text twice (about 1.5% of a cleaning
    /// run on NFD text).
    static func composeInPlace(_ scalars: inout [Unicode.Scalar]) {
        let count = scalars.withUnsafeMutableBufferPointer { s -> Int in
            var written = 0
            // Composition: a mark joins the last starter unless a mark of equal or higher
            // class stands between them.
            var starter = -1
            var lastClass: UInt8 = 0
            // Marks before `orderedUpTo` are in canonical order already.
            var orderedUpTo = 0
            var read = 0
            while read < s.count {
                let isMark = ScalarClass.isArabicMark(s[read].value)
                if isMark && read >= orderedUpTo {
                    orderedUpTo = orderMarks(s, from: read)
                }
                let scalar = s[read]
                let v = scalar.value
                read += 1
                let ccc = isMark ? combiningClass(scalar) : 0
                if isMark, starter >= 0, written - 1 == starter || lastClass < ccc,
                    let composed = compose(s[starter].value, v),
                    let letter = Unicode.Scalar(composed)
                {
                    s[starter] = letter
                    continue
                }
                if isMark {
                    lastClass = ccc
                } else {
                    starter = written
                    lastClass = 0
                }
                s[written] = scalar
                written += 1
            }
            return written
        }
        scalars.removeLast(scalars.count - count)
    }

    /// Sorts the run of marks starting at `start` by combining class, stably, in place by
    /// insertion (runs are a few marks long); returns where the run ends.
    private static func orderMarks(
        _ s: UnsafeMutableBufferPointer<Unicode.Scalar>, from start: Int
    ) -> Int {
        var j = start + 1
        while j < s.count, ScalarClass.isArabicMark(s[j].value) {
            let mark = s[j]
            let markClass = combiningClass(mark)
            var k = j
            while k > start, combiningClass(s[k - 1]) > markClass {
                s[k] = s[k - 1]
                k -= 1
            }
            if k != j { s[k] = mark }
            j += 1
        }
        return j
    }
}

/// Builds a String from scalars through one UTF-8 buffer (appending to a String's scalar view
/// one scalar at a time costs more than the normalization itself).
enum UTF8Builder {
    @inline(__always) static func append(_ v: UInt32, to bytes: inout [UInt8]) {
        switch v {
        case 0..<0x80:
            bytes.append(UInt8(v))
        case 0x80..<0x800:
            bytes.append(UInt8(0xC0 | (v >> 6)))
            bytes.append(UInt8(0x80 | (v & 0x3F)))
        case 0x800..<0x10000:
            bytes.append(UInt8(0xE0 | (v >> 12)))
            bytes.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            bytes.append(UInt8(0x80 | (v & 0x3F)))
        default:
            bytes.append(UInt8(0xF0 | (v >> 18)))
            bytes.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
            bytes.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            bytes.append(UInt8(0x80 | (v & 0x3F)))
        }
    }

    static func string(_ scalars: [Unicode.Scalar]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(scalars.count * 2)
        for scalar in scalars { append(scalar.value, to: &bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
