/// The languages Khudi tells apart, by ISO 639-3 code (Roman Urdu as `urd_Latn`).
public enum Language: String, CaseIterable, Codable, Sendable {
    case urdu = "urd"
    case sindhi = "snd"
    case pashto = "pbt"
    case punjabiShahmukhi = "pnb"
    case saraiki = "skr"
    case balochi = "bal"
    case kashmiri = "kas"
    case persian = "fas"
    case arabic = "arb"
    case english = "eng"
    case romanUrdu = "urd_Latn"

    /// The language for an ISO code as used in configs and reports, or nil.
    public init?(code: String) { self.init(rawValue: code) }

    /// The code used in configs, shards and reports.
    public var code: String { rawValue }

    /// The language's position in `allCases`, for per-language counts kept in arrays (the
    /// document-level identifier counted each line's letters in a dictionary, hashing the
    /// language every line).
    var ordinal: Int {
        switch self {
        case .urdu: 0
        case .sindhi: 1
        case .pashto: 2
        case .punjabiShahmukhi: 3
        case .saraiki: 4
        case .balochi: 5
        case .kashmiri: 6
        case .persian: 7
        case .arabic: 8
        case .english: 9
        case .romanUrdu: 10
        }
    }

    /// Whether the language is written in Perso-Arabic script.
    public var isArabicScript: Bool { self != .english && self != .romanUrdu }
}
