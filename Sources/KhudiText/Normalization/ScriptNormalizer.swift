import Foundation

/// Language-independent cleanup of Perso-Arabic (and any other) text: the first of the two
/// normalization stages (reference/urdu-text.md §2.2).
///
/// It never changes which letter a character is; letter unification waits for language
/// identification (`LanguageNormalizer`).
///
/// In order:
/// 1. NFC.
/// 2. Arabic presentation forms (U+FB50–FDFF, U+FE70–FEFC) folded one scalar at a time by their
///    NFKC mapping, so nothing outside those blocks is touched (§1.5). Forms whose mapping is a
///    space or tatweel plus a mark (U+FE70–FE7F, U+FC5E–FC63, U+FCF2–FCF4) keep only the mark,
///    attached to the preceding letter, or vanish; a space followed by a lone mark never appears.
/// 3. Honorific ligatures ﷺ ﷻ ﷲ ﷽ kept (default) or spelled out in Urdu (§1.13).
/// 4. Bidi and invisible controls deleted (LRM, RLM, ALM, embeddings, isolates, BOM, soft
///    hyphen, word joiner, C0 controls); ZWSP becomes a space; tatweel deleted; ZWJ deleted only
///    between two Arabic-script letters, so emoji sequences survive (§1.8–1.10).
/// 5. Whitespace: runs of spaces (any Unicode space) become one space, lines are trimmed, runs
///    of line breaks become one newline.
/// 6. NFC again, for sequences the folding or a deletion produced (only then: whitespace edits
///    cannot create a composition, a space being a starter).
/// The result is idempotent: normalizing it again changes nothing.
public struct ScriptNormalizer: Sendable {
    /// What to do with the honorific ligatures U+FDFA ﷺ, U+FDFB ﷻ, U+FDF2 ﷲ, U+FDFD ﷽.
    public enum HonorificPolicy: String, Codable, Sendable {
        /// Keep each as one symbol (default): expanding ﷺ by NFKC would inject Arabic letters
        /// (ى ي ه) that clash with Urdu unification.
        case keep
        /// Spell them out in Urdu letters: صلی اللہ علیہ وسلم, جل جلالہ, اللہ, بسم اللہ الرحمن الرحیم.
        case expandToUrdu
    }

    public var honorifics: HonorificPolicy

    public init(honorifics: HonorificPolicy = .keep) {
        self.honorifics = honorifics
    }

    /// The script-level normal form of `text`.
    public func normalize(_ text: String) -> String {
        var text = text
        return text.withUTF8 { normalize(utf8: $0) } ?? normalizeInGeneral(text)
    }

    /// The script-level normal form of any text, through scalar arrays: what
    /// `normalizeCommonText` declines, and its reference in the tests.
    func normalizeInGeneral(_ text: String) -> String {
        let input = CanonicalComposition.nfcScalars(text)
        var output = ScalarWriter()
        // The input is NFC; only two edits can break that: a folded presentation form, and a
        // deletion that brings a mark next to what preceded the deleted character (whitespace
        // edits cannot: a space or line break is a starter). Recomposing every text with a
        // deleted tatweel or control took 1.6% of a cleaning run.
        var folded = false
        var deletedBeforeMark = false
        var pendingDeletion = false
        func append(_ scalar: Unicode.Scalar) {
            if pendingDeletion {
                if CanonicalComposition.combiningClass(scalar) != 0 { deletedBeforeMark = true }
                pendingDeletion = false
            }
            output.append(scalar)
        }
        var i = 0
        while i < input.count {
            let scalar = input[i]
            let v = scalar.value
            i += 1
            // Printable ASCII and the Arabic block's letters and marks (but tatweel) pass as
            // they are: none is a space, break, control, joiner or presentation form.
            if (v > 0x20 && v < 0x7F) || (v >= 0x0621 && v <= 0x06FF && v != 0x0640) {
                append(scalar)
            } else if ScalarClass.isLineBreak(v) {
                output.requestNewline()
            } else if ScalarClass.isHorizontalSpace(v) {
                output.requestSpace()
            } else if ScalarClass.isDeletedControl(v) || v == 0x0640 {
                pendingDeletion = true
            } else if v == 0x200D {
                // Decided on the letters around it, looking past marks, so that a second pass
                // (where deleted characters and folded forms are gone) decides the same way.
                let joinsLetters =
                    output.lastBaseIsArabicLetter
                    && ScalarClass.isArabicLetter(nextBaseValue(input, from: i))
                if joinsLetters { pendingDeletion = true } else { append(scalar) }
            } else if ScalarClass.isPresentationForm(v) {
                appendFolded(scalar, to: &output)
                folded = true
            } else {
                append(scalar)
            }
        }
        let text = output.string
        return folded || deletedBeforeMark ? CanonicalComposition.nfc(text) : text
    }

    /// The next base character's value after position `start`: skips what will be deleted,
    /// combining marks, and presentation forms that fold to marks only; looks into other forms'
    /// foldings (0 if there is none).
    private func nextBaseValue(_ input: [Unicode.Scalar], from start: Int) -> UInt32 {
        var j = start
        while j < input.count {
            let v = input[j].value
            j += 1
            if ScalarClass.isDeletedControl(v) || v == 0x0640 || v == 0x200D
                || ScalarClass.isArabicMark(v)
            {
                continue
            }
            if ScalarClass.isPresentationForm(v) {
                if honorifics == .expandToUrdu, let expansion = Honorifics.expansion(v) {
                    return expansion.unicodeScalars.first?.value ?? 0
                }
                let folded = PresentationForms.folding(of: input[j - 1])
                if let first = folded.first?.value, first == 0x20 || first == 0x0640,
                    folded.count > 1
                {
                    continue
                }
                return folded.first?.value ?? 0
            }
            return v
        }
        return 0
    }

    private func appendFolded(_ scalar: Unicode.Scalar, to output: inout ScalarWriter) {
        if let expansion = Honorifics.expansion(scalar.value) {
            switch honorifics {
            case .keep: output.append(scalar)
            case .expandToUrdu: expansion.unicodeScalars.forEach { output.append($0) }
            }
            return
        }
        let folded = PresentationForms.folding(of: scalar)
        // A space or tatweel followed by marks: keep the marks on the preceding letter only.
        if let first = folded.first, first.value == 0x20 || first.value == 0x0640,
            folded.count > 1
        {
            guard output.lastIsLetterLike else { return }
            folded.dropFirst().forEach { output.append($0) }
            return
        }
        folded.forEach { output.append($0) }
    }
}

/// Accumulates output scalars, inserting at most one space or newline between words and never
/// at the start or end.
struct ScalarWriter {
    private var bytes: [UInt8] = []
    private var isEmpty = true
    private var pendingSpace = false
    private var pendingNewline = false
    private var last: UInt32 = 0
    /// The last written scalar that is not a combining mark.
    private var lastBase: UInt32 = 0

    mutating func requestSpace() { pendingSpace = true }
    mutating func requestNewline() { pendingNewline = true }

    var string: String { String(decoding: bytes, as: UTF8.self) }

    mutating func append(_ scalar: Unicode.Scalar) {
        if !isEmpty {
            if pendingNewline {
                bytes.append(0x0A)
            } else if pendingSpace {
                bytes.append(0x20)
            }
        }
        pendingSpace = false
        pendingNewline = false
        isEmpty = false
        UTF8Builder.append(scalar.value, to: &bytes)
        last = scalar.value
        if !ScalarClass.isArabicMark(scalar.value) { lastBase = scalar.value }
    }

    /// Whether the last written base character (marks skipped) is an Arabic-script letter and
    /// no space is pending.
    var lastBaseIsArabicLetter: Bool {
        !pendingSpace && !pendingNewline && ScalarClass.isArabicLetter(lastBase)
    }

    /// Whether a combining mark written now would sit on a letter (or on another mark).
    var lastIsLetterLike: Bool {
        guard !pendingSpace, !pendingNewline, !isEmpty else { return false }
        return ScalarClass.isArabicLetter(last) || ScalarClass.isArabicMark(last)
            || (Unicode.Scalar(last)?.properties.isAlphabetic ?? false)
    }
}

/// NFKC foldings of the presentation-form blocks, computed once from Foundation's tables.
enum PresentationForms {
    private static let table: [UInt32: [Unicode.Scalar]] = {
        var table: [UInt32: [Unicode.Scalar]] = [:]
        for v in Array(0xFB50...0xFDFF) + Array(0xFE70...0xFEFC) {
            guard let scalar = Unicode.Scalar(UInt32(v)),
                scalar.properties.generalCategory != .unassigned
            else { continue }
            let folded = String(scalar).precomposedStringWithCompatibilityMapping
            table[UInt32(v)] = Array(folded.unicodeScalars)
        }
        return table
    }()

    /// The scalars `scalar` folds to (itself when it has no compatibility mapping).
    static func folding(of scalar: Unicode.Scalar) -> [Unicode.Scalar] {
        table[scalar.value] ?? [scalar]
    }

    /// The UTF-8 the byte path writes for each form from U+FB50 to U+FEFC (by offset): the
    /// folding when it is Arabic-block letters only (no mark, tatweel or space), the form itself
    /// when it folds to itself or is an honorific (kept); nil where the general path decides.
    static let commonFoldings: [[UInt8]?] = (0xFB50...0xFEFC).map { v -> [UInt8]? in
        guard let scalar = Unicode.Scalar(UInt32(v)), table[UInt32(v)] != nil else { return nil }
        let folded = folding(of: scalar)
        var bytes: [UInt8] = []
        if folded == [scalar] || Honorifics.expansion(UInt32(v)) != nil {
            UTF8Builder.append(UInt32(v), to: &bytes)
            return bytes
        }
        for letter in folded {
            let value = letter.value
            guard (0x0621...0x06FF).contains(value), value != 0x0640,
                !ScalarClass.isArabicMark(value)
            else { return nil }
            UTF8Builder.append(value, to: &bytes)
        }
        return bytes
    }
}

/// The four honorific ligatures with a policy of their own, and their Urdu spellings.
enum Honorifics {
    static func expansion(_ v: UInt32) -> String? {
        switch v {
        case 0xFDFA: "صلی اللہ علیہ وسلم"
        case 0xFDFB: "جل جلالہ"
        case 0xFDF2: "اللہ"
        case 0xFDFD: "بسم اللہ الرحمن الرحیم"
        default: nil
        }
    }
}
