import Foundation
import KhudiText

/// The Unicode normalization a tokenizer applies before splitting (Hugging Face's NFC, NFKC, NFD
/// and NFKD normalizers, or none).
public enum UnicodeNormalization: String, Sendable, CaseIterable {
    case none, nfc, nfkc, nfd, nfkd

    public func apply(_ text: String) -> String {
        switch self {
        case .none: text
        case .nfc: Self.isStableUnderNFC(text) ? text : CanonicalComposition.nfc(text)
        case .nfkc: text.precomposedStringWithCompatibilityMapping
        case .nfd: text.decomposedStringWithCanonicalMapping
        case .nfkd: text.decomposedStringWithCompatibilityMapping
        }
    }

    /// Whether NFC leaves `text` unchanged, judged cheaply and conservatively.
    ///
    /// True when every scalar is a starter NFC never changes and nothing composes onto
    /// (conservative ranges: ASCII to spacing modifiers, Arabic letters and digits, Arabic
    /// presentation forms, punctuation, currency, emoji), or an Arabic combining mark that
    /// composes with nothing (harakat U+064B–0652, U+0656–065F, superscript alef U+0670,
    /// Quranic marks) standing alone after such a starter, where no reordering can happen. So
    /// ordinary Urdu and English, vowelled or not, skip normalization altogether; anything else
    /// goes to KhudiText's `CanonicalComposition.nfc`, which composes Arabic-script text itself
    /// (Urdu's ۓ and ۂ typed as letter + hamza are the common case) and hands the rest to
    /// Foundation, whose bridging cost 13% of counting.
    static func isStableUnderNFC(_ text: String) -> Bool {
        var afterStarter = false
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x00...0x2FF, 0x600...0x60F, 0x61B...0x64A, 0x660...0x66F, 0x671...0x6D5,
                0x6EE...0x6FF, 0x750...0x77F, 0x2002...0x206F, 0x20A0...0x20CF, 0xFB50...0xFDFF,
                0xFE70...0xFEFF, 0x1F300...0x1FAFF:
                afterStarter = true
            case 0x64B...0x652, 0x656...0x65F, 0x670, 0x6D6...0x6DC, 0x6DF...0x6E4, 0x6E7, 0x6E8,
                0x6EA...0x6ED:
                guard afterStarter else { return false }
                afterStarter = false  // a second mark in a row might need reordering
            default:
                return false
            }
        }
        return true
    }

    /// The normalizer as tokenizer.json writes it.
    var json: Any {
        self == .none ? NSNull() : ["type": rawValue.uppercased()]
    }

    /// Reads tokenizer.json's `normalizer`: null, one of the four, or a Sequence of one of them.
    init(json: Any?) throws(TokenizerFileError) {
        guard let object = json as? [String: Any] else {
            guard json == nil || json is NSNull else {
                throw .malformed("normalizer is neither an object nor null")
            }
            self = .none
            return
        }
        let type = object["type"] as? String ?? ""
        if type == "Sequence", let steps = object["normalizers"] as? [Any] {
            guard steps.count <= 1 else {
                throw .unsupported(
                    "normalizer", "a Sequence of \(steps.count) normalizers (Khudi reads one)")
            }
            self = try UnicodeNormalization(json: steps.first)
            return
        }
        guard let form = UnicodeNormalization(rawValue: type.lowercased()), form != .none else {
            throw .unsupported("normalizer.type", "\(type) (Khudi reads NFC, NFKC, NFD, NFKD)")
        }
        self = form
    }
}

/// The special tokens a post-processor puts around one text: Hugging Face's `TemplateProcessing`
/// `single` template (for pairs of texts Khudi has no use).
public struct SpecialTokenTemplate: Equatable, Sendable {
    public var prefix: [Int]
    public var suffix: [Int]

    public init(prefix: [Int] = [], suffix: [Int] = []) {
        self.prefix = prefix
        self.suffix = suffix
    }

    /// Reads tokenizer.json's `post_processor`: null, ByteLevel (which changes only offsets),
    /// TemplateProcessing, or a Sequence of those.
    init(json: Any?) throws(TokenizerFileError) {
        self.init()
        guard let object = json as? [String: Any] else { return }
        switch object["type"] as? String {
        case "ByteLevel":
            return
        case "Sequence":
            for step in object["processors"] as? [Any] ?? [] {
                let part = try SpecialTokenTemplate(json: step)
                prefix += part.prefix
                suffix += part.suffix
            }
        case "TemplateProcessing":
            try readTemplate(object)
        default:
            throw .unsupported(
                "post_processor.type",
                "\(object["type"] ?? "nothing") (Khudi reads TemplateProcessing and ByteLevel)")
        }
    }

    private mutating func readTemplate(_ object: [String: Any]) throws(TokenizerFileError) {
        guard let single = object["single"] as? [[String: Any]] else {
            throw .missingField("post_processor.single")
        }
        let specials = object["special_tokens"] as? [String: [String: Any]] ?? [:]
        var seenText = false
        for piece in single {
            if piece["Sequence"] != nil {
                seenText = true
                continue
            }
            guard let name = (piece["SpecialToken"] as? [String: Any])?["id"] as? String,
                let ids = specials[name]?["ids"] as? [Int]
            else {
                throw .malformed(
                    "post_processor.single: a piece that is neither Sequence nor a known SpecialToken"
                )
            }
            if seenText { suffix += ids } else { prefix += ids }
        }
    }

    /// The post-processor as tokenizer.json writes it, naming each special token by `content`.
    func json(content: (Int) -> String) -> Any {
        guard !prefix.isEmpty || !suffix.isEmpty else { return NSNull() }
        func pieces(_ sequence: String, _ typeID: Int) -> [[String: Any]] {
            func special(_ id: Int) -> [String: Any] {
                ["SpecialToken": ["id": content(id), "type_id": typeID]]
            }
            return prefix.map(special) + [["Sequence": ["id": sequence, "type_id": typeID]]]
                + suffix.map(special)
        }
        let single = pieces("A", 0)
        var tokens: [String: Any] = [:]
        for id in Set(prefix + suffix) {
            tokens[content(id)] = ["id": content(id), "ids": [id], "tokens": [content(id)]]
        }
        return [
            "type": "TemplateProcessing", "single": single,
            "pair": single + pieces("B", 1),
            "special_tokens": tokens,
        ]
    }
}
