import Foundation
import KhudiText

/// A byte-level BPE tokenizer: a Unicode normalization, a pre-tokenizer, GPT-2's byte map and a
/// `BytePairEncoding` model.
///
/// Khudi trains it with NFC and the Perso-Arabic pre-tokenizer; `tokenizerJSON()` writes the
/// pipeline in Hugging Face's components (normalizer NFC; pre-tokenizer Sequence[Split(pattern,
/// Isolated), ByteLevel(use_regex: false)]; decoder ByteLevel), so `tokenizers` produces the same
/// ids. `init(tokenizerJSON:)` also reads byte-level tokenizers trained elsewhere (GPT-2, Llama
/// 3 and the like), with their own ids, patterns and templates.
public struct ByteLevelTokenizer: TextTokenizer {
    public let model: BytePairEncoding
    public let normalization: UnicodeNormalization
    public let preTokenization: PreTokenization
    /// Whether a space is put before text that does not start with one (ByteLevel's
    /// `add_prefix_space`, as RoBERTa).
    public let addsPrefixSpace: Bool
    /// Special-token ids put around a text by `encode(_:addingSpecialTokens:)` (Hugging Face's
    /// `TemplateProcessing`, such as Llama 3's `<|begin_of_text|>`).
    public let template: SpecialTokenTemplate

    /// Special tokens every Khudi tokenizer reserves, at ids 0… in this order.
    public static let defaultSpecialTokens = [
        "<|pad|>", "<|bos|>", "<|eos|>", "<unk>", "<|system|>", "<|user|>", "<|assistant|>",
    ]

    private let specials: SpecialTokenMatcher

    public init(
        model: BytePairEncoding, normalization: UnicodeNormalization = .nfc,
        preTokenization: PreTokenization = .persoArabic(PersoArabicPreTokenizer()),
        addsPrefixSpace: Bool = false, template: SpecialTokenTemplate = SpecialTokenTemplate()
    ) {
        self.model = model
        self.normalization = normalization
        self.preTokenization = preTokenization
        self.addsPrefixSpace = addsPrefixSpace
        self.template = template
        specials = SpecialTokenMatcher(model.specialTokens)
    }

    /// Trains from counted pre-tokens.
    public static func train(
        _ counter: PreTokenCounter, vocabularySize: Int,
        specialTokens: [String] = defaultSpecialTokens,
        minimumFrequency: Int64 = 2, maximumTokenLength: Int? = nil
    ) throws(TokenizerError) -> ByteLevelTokenizer {
        let minimum = specialTokens.count + 256
        guard vocabularySize >= minimum else {
            throw .vocabularyTooSmall(requested: vocabularySize, minimum: minimum)
        }
        guard counter.distinctCount > 0 else { throw .emptyCorpus }
        guard case .bytes(let preTokenization) = counter.splitting else {
            throw .mismatchedCounter(
                "byte-level BPE needs a PreTokenCounter with a byte-level split")
        }
        let model = BytePairEncoding.train(
            counts: counter.counts, vocabularySize: vocabularySize, specialTokens: specialTokens,
            minimumFrequency: minimumFrequency, maximumTokenLength: maximumTokenLength)
        return ByteLevelTokenizer(model: model, preTokenization: preTokenization)
    }

    /// Trains on `lines` (a convenience over `PreTokenCounter`).
    public static func train<S: Sequence>(
        lines: S, vocabularySize: Int, specialTokens: [String] = defaultSpecialTokens,
        minimumFrequency: Int64 = 2, maximumTokenLength: Int? = nil
    ) throws(TokenizerError) -> ByteLevelTokenizer where S.Element == String {
        var counter = PreTokenCounter()
        for line in lines { counter.add(line) }
        return try train(
            counter, vocabularySize: vocabularySize, specialTokens: specialTokens,
            minimumFrequency: minimumFrequency, maximumTokenLength: maximumTokenLength)
    }

    /// `encode(_:)`, remembering the ids of pieces already seen.
    ///
    /// Merging pieces is where most of the time goes, and real text repeats its words (Zipf), so
    /// most pieces are found in the cache. Give each thread its own cache.
    public func encode(_ text: String, cache: inout PieceCache) -> [Int] {
        var ids: [Int] = []
        specials.segments(
            of: text,
            plain: { stretch, _ in
                var normalized = normalization.apply(String(stretch))
                if addsPrefixSpace && !normalized.hasPrefix(" ") { normalized = " " + normalized }
                for piece in preTokenization.split(normalized) {
                    ids += cache.ids(for: Array(piece.utf8)) { model.encode(piece: $0) }
                }
            }, special: { ids.append($0) })
        return ids
    }

    public var vocabularySize: Int { model.vocabularySize }
    public var specialTokens: [SpecialToken] { model.specialTokens }

    /// The text of `ids` (invalid UTF-8 from partial tokens becomes U+FFFD).
    public func decode(_ ids: [Int]) -> String {
        String(decoding: model.decode(ids), as: UTF8.self)
    }
}

/// Problems training or reading a tokenizer, each naming what was wrong.
public enum TokenizerError: Error, Equatable, CustomStringConvertible {
    case vocabularyTooSmall(requested: Int, minimum: Int)
    case emptyCorpus
    case mismatchedCounter(String)

    public var description: String {
        switch self {
        case .vocabularyTooSmall(let requested, let minimum):
            "vocabulary size \(requested) is smaller than the special tokens plus 256 bytes (\(minimum))"
        case .emptyCorpus: "the training corpus has no text"
        case .mismatchedCounter(let detail): detail
        }
    }
}

/// Ids of pre-tokens already encoded, for `ByteLevelTokenizer.encode(_:cache:)`; emptied when it
/// reaches `capacity` entries so memory stays bounded.
public struct PieceCache {
    var entries: [[UInt8]: [Int]] = [:]
    public let capacity: Int

    public init(capacity: Int = 200_000) {
        self.capacity = capacity
    }

    /// The cached ids of `piece`, or `encode(piece)` remembered.
    mutating func ids(for piece: [UInt8], encode: ([UInt8]) -> [Int]) -> [Int] {
        if let known = entries[piece] { return known }
        let encoded = encode(piece)
        insert(encoded, for: piece)
        return encoded
    }

    mutating func insert(_ ids: [Int], for piece: [UInt8]) {
        guard capacity > 0 else { return }
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[piece] = ids
    }
}
