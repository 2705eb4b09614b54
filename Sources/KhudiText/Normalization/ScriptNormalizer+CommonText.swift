/// The script stage over UTF-8 bytes for the text Khudi sees nearly always, in one pass with no
/// scalar arrays between.
///
/// The general path (`normalizeInGeneral`) decodes the text into scalars, composes them, walks
/// them through a writer and encodes the result: four copies of every document, about 18% of a
/// cleaning run. Here each scalar is decoded, classified and its bytes copied to the output as
/// they are, Arabic marks ordered and composed with the letter before them on the way (the same
/// ordering and eight compositions as `CanonicalComposition`).
///
/// It declines (returns nil, and the general path runs) wherever its output could differ from
/// the general path's: a scalar that needs Foundation's NFC, a presentation form that folds to
/// anything but Arabic letters (marks, a space or tatweel with marks), an honorific ligature to
/// spell out, a ZWJ, an Arabic mark outside the Arabic block, a mark run longer than
/// `longestMarkRun`, or a mark right after a deleted control or tatweel (which the general path
/// recomposes). The tests compare the two paths on random text built from every class.
///
/// It checks the UTF-8 as it reads it and declines on anything invalid, so the cleaning
/// pipeline can hand it a document's raw bytes: validating them into a String first cost as
/// much as the pass itself saves there (2% of a run).
extension ScriptNormalizer {
    /// The script-level normal form of `bytes` when they are valid UTF-8 and of the kind the
    /// byte path handles; nil otherwise (then decode them with `TextDecoding` and call
    /// `normalize(_:)`).
    public func normalize(utf8 bytes: UnsafeBufferPointer<UInt8>) -> String? {
        Self.normalizeCommonText(bytes, keepingHonorifics: honorifics == .keep)
    }

    /// Mark runs longer than this go the general way (NFD Urdu has one or two marks a letter).
    static let longestMarkRun = 16

    /// `input`'s script-level normal form, or nil when the general path must decide (or the
    /// bytes are not valid UTF-8).
    static func normalizeCommonText(
        _ input: UnsafeBufferPointer<UInt8>, keepingHonorifics: Bool
    ) -> String? {
        var declined = false
        let text = withUnsafeTemporaryAllocation(of: UInt32.self, capacity: longestMarkRun) {
            marks in
            // The output is longer than the input only by what folded ligatures add (lam-alef:
            // three bytes to four); whitespace runs become at most one byte, compositions and
            // deletions only shorten.
            let slack = input.count / 8 + 16
            return WrittenUTF8.string(capacity: input.count + slack) { output -> Int in
                var writer = ScriptByteWriter(
                    output: output, slack: slack, keepsHonorifics: keepingHonorifics)
                if !writer.normalize(input, markBuffer: marks) { declined = true }
                return declined ? 0 : writer.count
            }
        }
        return declined ? nil : text
    }
}

/// The byte-level writer of `normalizeCommonText`: output position, pending whitespace and the
/// state the mark handling needs.
private struct ScriptByteWriter {
    /// Bounds-checked in debug builds, where the tests run.
    let output: UnsafeMutableBufferPointer<UInt8>
    var count = 0
    private var pendingSpace = false
    private var pendingNewline = false
    /// A deleted control or tatweel since the last written scalar: a mark now declines.
    private var pendingDeletion = false
    /// The previous input scalar when it is an Arabic-block letter just written (a mark may
    /// compose with it), else 0.
    private var previous: UInt32 = 0
    /// Where `previous`'s two bytes are in the output.
    private var previousAt = 0

    /// Whether ﷺ ﷻ ﷲ ﷽ stay as they are (else the general path spells them out).
    let keepsHonorifics: Bool

    /// How many more bytes than the input the output may take (declined beyond).
    private var slack: Int

    /// `arabicBlockKinds`, held here: read through the static property, every scalar paid a
    /// `swift_once` check.
    private let kinds = ScriptByteWriter.arabicBlockKinds

    init(output: UnsafeMutableBufferPointer<UInt8>, slack: Int, keepsHonorifics: Bool) {
        self.output = output
        self.slack = slack
        self.keepsHonorifics = keepsHonorifics
    }

    /// Writes `input`'s normal form; false when a scalar needs the general path.
    mutating func normalize(
        _ input: UnsafeBufferPointer<UInt8>, markBuffer: UnsafeMutableBufferPointer<UInt32>
    ) -> Bool {
        var i = 0
        let n = input.count
        while i < n {
            let b0 = input[i]
            if b0 < 0x80 {
                if b0 > 0x20 && b0 < 0x7F {
                    // A run of printable ASCII is copied as it is.
                    startScalar()
                    repeat {
                        output[count] = input[i]
                        count += 1
                        i += 1
                    } while i < n && input[i] > 0x20 && input[i] < 0x7F
                    previous = 0
                    continue
                }
                i += 1
                if b0 == 0x0A || b0 == 0x0D {
                    requestBreak(newline: true)
                } else if b0 == 0x20 || b0 == 0x09 {
                    requestBreak(newline: false)
                } else {
                    delete()  // C0 controls and DEL
                }
                continue
            }
            guard let length = UTF8Bytes.validLength(input, at: i) else { return false }
            let v = UTF8Bytes.decode(input, at: i, length: length)
            if b0 >= 0xD8 && b0 <= 0xDB {
                // The Arabic block.
                switch ArabicBlockKind(rawValue: kinds[Int(v - 0x0600)]) {
                case .mark:
                    guard let end = writeMarkRun(input, from: i, buffer: markBuffer) else {
                        return false
                    }
                    i = end
                case .deleted:
                    i += 2
                    delete()
                default:
                    // A run of Arabic-block scalars copied as they are (letters, digits,
                    // punctuation); the last may take the marks after it.
                    startScalar()
                    var last = v
                    while true {
                        output[count] = input[i]
                        output[count + 1] = input[i + 1]
                        count += 2
                        i += 2
                        guard i + 1 < n, input[i] >= 0xD8, input[i] <= 0xDB,
                            input[i + 1] & 0xC0 == 0x80
                        else { break }
                        let next = UTF8Bytes.decode(input, at: i, length: 2)
                        guard kinds[Int(next - 0x0600)] == ArabicBlockKind.copied.rawValue else {
                            break
                        }
                        last = next
                    }
                    previousAt = count - 2
                    previous = last
                }
                continue
            }
            if ScalarClass.isLineBreak(v) {
                requestBreak(newline: true)
            } else if ScalarClass.isHorizontalSpace(v) {
                requestBreak(newline: false)
            } else if ScalarClass.isDeletedControl(v) {
                delete()
            } else if ScalarClass.isPresentationForm(v) {
                guard writeFolding(of: v) else { return false }
            } else if v == 0x200D || ScalarClass.isArabicMark(v)
                || Unicode.Scalar(v).map({ CanonicalComposition.needsGeneralNFC(v, $0) }) ?? true
            {
                return false
            } else {
                startScalar()
                for k in 0..<length { output[count + k] = input[i + k] }
                count += length
                previous = 0
            }
            i += length
        }
        return true
    }

    /// What the byte path does with a scalar of U+0600–06FF.
    enum ArabicBlockKind: UInt8 {
        /// Copied as it is.
        case copied = 0
        /// A combining mark: ordered and composed with the letter before.
        case mark = 1
        /// Tatweel and ALM, deleted.
        case deleted = 2
    }

    /// `ArabicBlockKind` raw values for U+0600–06FF by offset (a table: the range tests of
    /// `isArabicMark` compiled to a jump table whose mispredictions took a fifth of this pass).
    static let arabicBlockKinds: [UInt8] = (0x0600...0x06FF).map { v -> UInt8 in
        if ScalarClass.isArabicMark(UInt32(v)) { return ArabicBlockKind.mark.rawValue }
        if v == 0x0640 || v == 0x061C { return ArabicBlockKind.deleted.rawValue }
        return ArabicBlockKind.copied.rawValue
    }

    /// Orders the run of Arabic-block marks at `start` by combining class and composes what
    /// composes with the letter before it; returns where the run ends, or nil to decline.
    private mutating func writeMarkRun(
        _ input: UnsafeBufferPointer<UInt8>, from start: Int,
        buffer: UnsafeMutableBufferPointer<UInt32>
    ) -> Int? {
        if pendingDeletion { return nil }
        var end = start
        var runLength = 0
        while end + 1 < input.count, input[end] >= 0xD8, input[end] <= 0xDB,
            input[end + 1] & 0xC0 == 0x80
        {
            let v = UTF8Bytes.decode(input, at: end, length: 2)
            guard kinds[Int(v - 0x0600)] == ArabicBlockKind.mark.rawValue else {
                break
            }
            guard runLength < buffer.count else { return nil }
            // Stable insertion by class.
            let markClass = CanonicalComposition.arabicClass(v)
            var k = runLength
            while k > 0, CanonicalComposition.arabicClass(buffer[k - 1]) > markClass {
                buffer[k] = buffer[k - 1]
                k -= 1
            }
            buffer[k] = v
            runLength += 1
            end += 2
        }
        // Arabic Extended marks continuing the run (U+0898–08FF, bytes E0 A2/A3 …).
        if end + 1 < input.count, input[end] == 0xE0,
            input[end + 1] == 0xA2 || input[end + 1] == 0xA3
        {
            return nil
        }
        var lastClass: UInt8 = 0
        var keptAny = false
        for k in 0..<runLength {
            let mark = buffer[k]
            let markClass = CanonicalComposition.arabicClass(mark)
            if previous != 0, !keptAny || lastClass < markClass,
                let composed = CanonicalComposition.compose(previous, mark)
            {
                // An Arabic letter, two bytes like the one it replaces.
                previous = composed
                _ = UTF8Bytes.encode(composed, into: output, at: previousAt)
                continue
            }
            startScalar()
            count = UTF8Bytes.encode(mark, into: output, at: count)
            keptAny = true
            lastClass = markClass
        }
        return end
    }

    /// Writes presentation form `v` folded, or returns false to decline.
    ///
    /// The folding's last letter may take the marks after it, as the general path's second NFC
    /// gives them to it.
    private mutating func writeFolding(of v: UInt32) -> Bool {
        guard let bytes = PresentationForms.commonFoldings[Int(v - 0xFB50)],
            keepsHonorifics || Honorifics.expansion(v) == nil
        else { return false }
        slack -= bytes.count - 3
        if slack < 0 { return false }
        startScalar()
        for byte in bytes {
            output[count] = byte
            count += 1
        }
        previous = 0
        // A folding of letters ends in a two-byte Arabic letter; a form kept is three bytes.
        let last = bytes.count - 2
        if last >= 0, bytes[last] >= 0xD8, bytes[last] <= 0xDB {
            previousAt = count - 2
            previous = UInt32(bytes[last] & 0x1F) << 6 | UInt32(bytes[last + 1] & 0x3F)
        }
        return true
    }

    /// Writes the pending space or newline (never at the start) before a scalar; the caller
    /// sets `previous`.
    @inline(__always) private mutating func startScalar() {
        if count > 0 {
            if pendingNewline {
                output[count] = 0x0A
                count += 1
            } else if pendingSpace {
                output[count] = 0x20
                count += 1
            }
        }
        pendingSpace = false
        pendingNewline = false
        pendingDeletion = false
    }

    private mutating func requestBreak(newline: Bool) {
        if newline { pendingNewline = true } else { pendingSpace = true }
        previous = 0
    }

    private mutating func delete() {
        pendingDeletion = true
        previous = 0
    }
}
