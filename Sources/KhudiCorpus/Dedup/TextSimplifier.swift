import Foundation
import KhudiText

/// The form documents are compared in for near-duplicate detection (as datatrove's
/// `simplify_text`): lower case, every digit run as "0", punctuation as spaces, whitespace
/// collapsed, and combining marks dropped after NFD, so آ ئ ۂ fold to their base letters and
/// harakat vanish. Used only for hashing, never for output text.
public enum TextSimplifier {
    /// The words of `text` in simplified form.
    public static func words(_ text: String) -> [String] {
        let decomposed = text.lowercased().decomposedStringWithCanonicalMapping
        var words: [String] = []
        var current = String.UnicodeScalarView()
        var inNumber = false
        func flush() {
            if !current.isEmpty { words.append(String(current)) }
            current = String.UnicodeScalarView()
            inNumber = false
        }
        for scalar in decomposed.unicodeScalars {
            let v = scalar.value
            if scalar.properties.generalCategory == .nonspacingMark { continue }
            if PIIRedactor.digit(v) != nil {
                if !inNumber {
                    current.append("0")
                    inNumber = true
                }
                continue
            }
            if WordSplitter.isSeparator(v) {
                // A decimal or thousands separator inside a number keeps the number whole.
                if inNumber && (v == 0x2E || v == 0x2C || v == 0x060C || v == 0x066B || v == 0x066C) {
                    continue
                }
                flush()
                continue
            }
            inNumber = false
            current.append(scalar)
        }
        flush()
        return words
    }
}
