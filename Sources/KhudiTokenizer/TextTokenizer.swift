import Foundation

/// What the commands need from any tokenizer Khudi trains or reads: byte-level BPE
/// (`ByteLevelTokenizer`) or SentencePiece-style pieces (`PieceTokenizer`: Unigram, or BPE over
/// characters).
public protocol TextTokenizer: Sendable {
    var vocabularySize: Int { get }
    /// Special tokens in id order.
    var specialTokens: [SpecialToken] { get }
    /// Special-token ids a post-processor puts around a text.
    var template: SpecialTokenTemplate { get }
    /// The ids of `text`, remembering pieces already seen in `cache` (no template tokens).
    func encode(_ text: String, cache: inout PieceCache) -> [Int]
    /// The text of `ids` (invalid UTF-8 from partial tokens becomes U+FFFD).
    func decode(_ ids: [Int]) -> String
    /// The tokenizer as Hugging Face's tokenizer.json.
    func tokenizerJSON() throws -> Data
}

extension TextTokenizer {
    /// The ids of `text`, with the template's special tokens around them when
    /// `addingSpecialTokens` (none by default).
    public func encode(_ text: String, addingSpecialTokens: Bool = false) -> [Int] {
        var cache = PieceCache(capacity: 0)
        let ids = encode(text, cache: &cache)
        return addingSpecialTokens ? template.prefix + ids + template.suffix : ids
    }

    /// The id of the special token `content`, if there is one.
    public func id(ofSpecial content: String) -> Int? {
        specialTokens.first { $0.content == content }?.id
    }

    /// The special token that ends a document: Khudi's `<|eos|>`, or the name another family gives
    /// it (GPT-2's `<|endoftext|>`, Llama 3's `<|end_of_text|>`, SentencePiece's `</s>`).
    public var endOfTextID: Int? {
        ["<|eos|>", "<|endoftext|>", "<|end_of_text|>", "</s>", "<eos>"].lazy.compactMap {
            id(ofSpecial: $0)
        }.first
    }
}

/// Reads any tokenizer.json Khudi can encode with, choosing the reader by `model.type` and
/// the pre-tokenizer.
public func loadTokenizer(tokenizerJSON data: Data) throws(TokenizerFileError) -> any TextTokenizer
{
    let root = try parseTokenizerJSON(data)
    guard let model = root["model"] as? [String: Any] else { throw .missingField("model") }
    if model["type"] as? String == "Unigram" || !usesByteLevel(root) {
        return try PieceTokenizer(root: root, data: data)
    }
    return try ByteLevelTokenizer(root: root)
}

/// Whether a tokenizer.json's pre-tokenizer or decoder is ByteLevel (GPT-2-style BPE) rather
/// than SentencePiece-style.
private func usesByteLevel(_ root: [String: Any]) -> Bool {
    func mentionsByteLevel(_ json: Any?) -> Bool {
        guard let object = json as? [String: Any] else { return false }
        if object["type"] as? String == "ByteLevel" { return true }
        let steps = (object["pretokenizers"] ?? object["decoders"]) as? [Any] ?? []
        return steps.contains(where: mentionsByteLevel)
    }
    return mentionsByteLevel(root["pre_tokenizer"]) || mentionsByteLevel(root["decoder"])
}

/// The top-level object of a tokenizer.json.
///
/// A leading byte-order mark is skipped, and U+FEFF inside strings is escaped first:
/// Foundation's JSONSerialization on Linux drops it at the start of a string, which would turn a
/// vocabulary's "\u{FEFF}" piece into an empty one.
func parseTokenizerJSON(_ data: Data) throws(TokenizerFileError) -> [String: Any] {
    var bytes = [UInt8](data)
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
    var escaped: [UInt8] = []
    escaped.reserveCapacity(bytes.count)
    var i = 0
    while i < bytes.count {
        if i + 2 < bytes.count && bytes[i] == 0xEF && bytes[i + 1] == 0xBB && bytes[i + 2] == 0xBF {
            escaped += Array("\\ufeff".utf8)
            i += 3
        } else {
            escaped.append(bytes[i])
            i += 1
        }
    }
    guard let root = try? JSONSerialization.jsonObject(with: Data(escaped)) as? [String: Any] else {
        throw .malformed("not a JSON object")
    }
    return root
}

/// One entry of tokenizer.json's `model.merges`: a pair of strings, or (older files) one string
/// "a b".
func mergePair(_ entry: Any, rank: Int) throws(TokenizerFileError) -> [String] {
    if let pair = entry as? [String], pair.count == 2 { return pair }
    if let text = entry as? String,
        case let split = text.split(separator: " ", omittingEmptySubsequences: false),
        split.count == 2
    {
        return split.map(String.init)
    }
    throw .malformed("model.merges[\(rank)] is neither a pair nor \"a b\"")
}

/// A token matched in the raw text before anything else runs (Hugging Face's added tokens).
public struct SpecialToken: Equatable, Sendable {
    public var id: Int
    public var content: String

    public init(id: Int, content: String) {
        self.id = id
        self.content = content
    }
}

extension SpecialToken {
    /// Reads tokenizer.json's `added_tokens`; `lstrip`, `rstrip` and `single_word` are refused
    /// (Khudi matches added tokens exactly).
    static func read(addedTokens json: Any?) throws(TokenizerFileError) -> [SpecialToken] {
        var specials: [SpecialToken] = []
        for (index, token) in ((json as? [[String: Any]]) ?? []).enumerated() {
            guard let id = token["id"] as? Int, id >= 0, let content = token["content"] as? String,
                !content.isEmpty
            else {
                throw .malformed("added_tokens[\(index)] lacks an id or content")
            }
            for flag in ["lstrip", "rstrip", "single_word"] where token[flag] as? Bool == true {
                throw .unsupported("added_tokens[\(index)].\(flag)", "true (Khudi matches exactly)")
            }
            specials.append(SpecialToken(id: id, content: content))
        }
        return specials
    }
}

/// Finds special tokens in raw text: leftmost first, the longest when several start at one
/// place, as Hugging Face's added-token matcher.
struct SpecialTokenMatcher: Sendable {
    let tokens: [SpecialToken]
    /// The first UTF-8 bytes of the tokens: text holding none of them holds no special token,
    /// which one byte scan checks (the usual case).
    private let firstBytes: Set<UInt8>

    init(_ tokens: [SpecialToken]) {
        self.tokens = tokens
        firstBytes = Set(tokens.compactMap(\.content.utf8.first))
    }

    /// The first special token in `text` and where it is.
    func next(in text: Substring) -> (Int, Range<Substring.Index>)? {
        guard text.utf8.contains(where: firstBytes.contains) else { return nil }
        var best: (Int, Range<Substring.Index>)?
        for special in tokens {
            guard let range = text.range(of: special.content) else { continue }
            if let current = best?.1,
                current.lowerBound < range.lowerBound
                    || (current.lowerBound == range.lowerBound
                        && current.upperBound >= range.upperBound)
            {
                continue
            }
            best = (special.id, range)
        }
        return best
    }

    /// Calls `plain` for each stretch of `text` between special tokens (with whether it starts
    /// the text) and `special` for each special token's id, in order.
    func segments(
        of text: String, plain: (Substring, Bool) -> Void, special: (Int) -> Void
    ) {
        var rest = Substring(text)
        while !rest.isEmpty {
            let next = next(in: rest)
            let stretch = next.map { rest[..<$0.1.lowerBound] } ?? rest
            if !stretch.isEmpty { plain(stretch, stretch.startIndex == text.startIndex) }
            guard let (id, range) = next else { break }
            special(id)
            rest = rest[range.upperBound...]
        }
    }
}
