/// Code-point classes the normalizers test, by range (Swift has no script property).
///
/// Sources: reference/urdu-text.md §1 (UCD; r12a's Urdu, Sindhi, Pashto and Kashmiri pages).
public enum ScalarClass {
    /// Arabic-script letters (blocks Arabic, Arabic Supplement, Arabic Extended-A/B) that are not
    /// combining marks, digits or punctuation.
    public static func isArabicLetter(_ v: UInt32) -> Bool {
        switch v {
        case 0x0620...0x063F, 0x0641...0x064A, 0x066E...0x066F, 0x0671...0x06D3, 0x06D5,
            0x06EE...0x06EF, 0x06FA...0x06FC, 0x06FF, 0x0750...0x077F, 0x0870...0x0887,
            0x08A0...0x08C9:
            return true
        default:
            return false
        }
    }

    /// Combining marks of the Arabic blocks (harakat, hamza above/below, small high signs,
    /// Quranic annotation marks, Extended-A marks).
    public static func isArabicMark(_ v: UInt32) -> Bool {
        switch v {
        case 0x0610...0x061A, 0x064B...0x065F, 0x0670, 0x06D6...0x06DC, 0x06DF...0x06E4,
            0x06E7...0x06E8, 0x06EA...0x06ED, 0x0898...0x089F, 0x08CA...0x08E1, 0x08E3...0x08FF:
            return true
        default:
            return false
        }
    }

    /// Presentation forms, folded one scalar at a time (FB50–FDFF, FE70–FEFC).
    public static func isPresentationForm(_ v: UInt32) -> Bool {
        (0xFB50...0xFDFF).contains(v) || (0xFE70...0xFEFC).contains(v)
    }

    /// Invisible and bidi controls deleted by script-level cleanup: LRM, RLM, ALM, the
    /// embeddings and overrides, the isolates, BOM, soft hyphen, Mongolian vowel separator,
    /// word joiner and the deprecated format controls U+206A–206F.
    public static func isDeletedControl(_ v: UInt32) -> Bool {
        switch v {
        case 0x200E, 0x200F, 0x061C, 0x202A...0x202E, 0x2066...0x2069, 0xFEFF, 0x00AD, 0x180E,
            0x2060, 0x206A...0x206F:
            return true
        case 0x0000...0x0008, 0x000B, 0x000C, 0x000E...0x001F, 0x007F:
            return true  // C0 controls other than tab, newline and carriage return
        default:
            return false
        }
    }

    /// Horizontal whitespace that becomes one ASCII space: tab, space, NBSP, the U+2000 spaces,
    /// narrow NBSP, medium math space, ideographic space, and ZWSP (which separates words).
    public static func isHorizontalSpace(_ v: UInt32) -> Bool {
        switch v {
        case 0x09, 0x20, 0xA0, 0x1680, 0x2000...0x200B, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// Line breaks: LF, CR, VT/FF handled as controls, NEL, LINE and PARAGRAPH SEPARATOR.
    public static func isLineBreak(_ v: UInt32) -> Bool {
        v == 0x0A || v == 0x0D || v == 0x85 || v == 0x2028 || v == 0x2029
    }
}
