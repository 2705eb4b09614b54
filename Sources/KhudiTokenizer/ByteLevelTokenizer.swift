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
public struct ByteLevelTokenizer: Sendable {
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

    /// The first UTF-8 bytes of the special tokens: text holding none of them holds no special
    /// token, which `encode` checks with one byte scan.
    private let specialTokenFirstBytes: Set<UInt8>

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
        specialTokenFirstBytes = Set(model.specialTokens.compactMap(\.content.utf8.first))
    }

    /// Pre-token counts gathered from text fed in pieces, so a corpus is streamed, never held.
    public struct Counter: Sendable {
        public private(set) var counts: [[UInt8]: Int64] = [:]
        public private(set) var bytes = 0
        public let preTokenization: PreTokenization

        public init(preTokenization: PreTokenization = .persoArabic(PersoArabicPreTokenizer())) {
            self.preTokenization = preTokenization
        }

        /// Counts the pre-tokens of `text` (after NFC).
        public mutating func add(_ text: String) {
            bytes += text.utf8.count
            for piece in preTokenization.split(text.precomposedStringWithCanonicalMapping) {
                counts[Array(piece.utf8), default: 0] += 1
            }
        }

        /// Counts `texts` split evenly over `threads` threads, then merges the partial counts.
        ///
        /// Counts are sums, so the result is the same for every thread count; memory grows by
        /// one partial table per thread, so callers feed bounded batches.
        public mutating func add(contentsOf texts: [String], threads: Int) {
            let parts = max(1, min(threads, texts.count))
            guard parts > 1 else {
                for text in texts { add(text) }
                return
            }
            var partial = [Counter](
                repeating: Counter(preTokenization: preTokenization), count: parts)
            partial.withUnsafeMutableBufferPointer { buffer in
                let slots = PartialCounters(buffer)
                DispatchQueue.concurrentPerform(iterations: parts) { part in
                    let range = (texts.count * part / parts)..<(texts.count * (part + 1) / parts)
                    for index in range { slots.buffer[part].add(texts[index]) }
                }
            }
            for other in partial { merge(other) }
        }

        /// Adds another counter's counts and bytes to this one.
        public mutating func merge(_ other: Counter) {
            bytes += other.bytes
            if counts.isEmpty {
                counts = other.counts
            } else {
                counts.merge(other.counts, uniquingKeysWith: +)
            }
        }
    }

    /// Trains from counted pre-tokens.
    public static func train(
        _ counter: Counter, vocabularySize: Int, specialTokens: [String] = defaultSpecialTokens,
        minimumFrequency: Int64 = 2, maximumTokenLength: Int? = nil
    ) throws(TokenizerError) -> ByteLevelTokenizer {
        let minimum = specialTokens.count + 256
        guard vocabularySize >= minimum else {
            throw .vocabularyTooSmall(requested: vocabularySize, minimum: minimum)
        }
        guard !counter.counts.isEmpty else { throw .emptyCorpus }
        let model = BytePairEncoding.train(
            counts: counter.counts, vocabularySize: vocabularySize, specialTokens: specialTokens,
            minimumFrequency: minimumFrequency, maximumTokenLength: maximumTokenLength)
        return ByteLevelTokenizer(model: model, preTokenization: counter.preTokenization)
    }

    /// Trains on `lines` (a convenience over `Counter`).
    public static func train<S: Sequence>(
        lines: S, vocabularySize: Int, specialTokens: [String] = defaultSpecialTokens,
        minimumFrequency: Int64 = 2, maximumTokenLength: Int? = nil
    ) throws(TokenizerError) -> ByteLevelTokenizer where S.Element == String {
        var counter = Counter()
        for line in lines { counter.add(line) }
        return try train(
            counter, vocabularySize: vocabularySize, specialTokens: specialTokens,
            minimumFrequency: minimumFrequency, maximumTokenLength: maximumTokenLength)
    }

    /// The ids of `text`, with the template's special tokens around them when
    /// `addingSpecialTokens` (none by default).
    ///
    /// Special-token strings in the text become their ids, matched before normalization as Hugging
    /// Face matches added tokens.
    public func encode(_ text: String, addingSpecialTokens: Bool = false) -> [Int] {
        var cache = PieceCache(capacity: 0)
        let ids = encode(text, cache: &cache)
        return addingSpecialTokens ? template.prefix + ids + template.suffix : ids
    }

    /// `encode(_:)`, remembering the ids of pieces already seen.
    ///
    /// Merging pieces is where most of the time goes, and real text repeats its words (Zipf), so
    /// most pieces are found in the cache. Give each thread its own cache.
    public func encode(_ text: String, cache: inout PieceCache) -> [Int] {
        var ids: [Int] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            let next = nextSpecialToken(in: rest)
            let plain = next.map { rest[..<$0.1.lowerBound] } ?? rest
            if !plain.isEmpty {
                var normalized = normalization.apply(String(plain))
                if addsPrefixSpace && !normalized.hasPrefix(" ") { normalized = " " + normalized }
                for piece in preTokenization.split(normalized) {
                    let bytes = Array(piece.utf8)
                    if let known = cache.entries[bytes] {
                        ids += known
                        continue
                    }
                    let encoded = model.encode(piece: bytes)
                    cache.insert(encoded, for: bytes)
                    ids += encoded
                }
            }
            guard let (id, range) = next else { break }
            ids.append(id)
            rest = rest[range.upperBound...]
        }
        return ids
    }

    /// The first special token in `text` and where it is (the longest, when several start at the
    /// same place); a byte scan skips the search when no special token's first byte occurs at
    /// all (the usual case).
    private func nextSpecialToken(in text: Substring) -> (Int, Range<Substring.Index>)? {
        guard text.utf8.contains(where: specialTokenFirstBytes.contains) else { return nil }
        var best: (Int, Range<Substring.Index>)?
        for special in model.specialTokens {
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

    /// The text of `ids` (invalid UTF-8 from partial tokens becomes U+FFFD).
    public func decode(_ ids: [Int]) -> String {
        String(decoding: model.decode(ids), as: UTF8.self)
    }
}

/// Problems training or reading a tokenizer, each naming what was wrong.
public enum TokenizerError: Error, Equatable, CustomStringConvertible {
    case vocabularyTooSmall(requested: Int, minimum: Int)
    case emptyCorpus

    public var description: String {
        switch self {
        case .vocabularyTooSmall(let requested, let minimum):
            "vocabulary size \(requested) is smaller than the special tokens plus 256 bytes (\(minimum))"
        case .emptyCorpus: "the training corpus has no text"
        }
    }
}

/// The per-thread counters of `Counter.add(contentsOf:threads:)`; each thread touches only its
/// own slot, which is what makes sharing the buffer safe.
private struct PartialCounters: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<ByteLevelTokenizer.Counter>
    init(_ buffer: UnsafeMutableBufferPointer<ByteLevelTokenizer.Counter>) { self.buffer = buffer }
}

/// Ids of pre-tokens already encoded, for `ByteLevelTokenizer.encode(_:cache:)`; emptied when it
/// reaches `capacity` entries so memory stays bounded.
public struct PieceCache {
    fileprivate var entries: [[UInt8]: [Int]] = [:]
    public let capacity: Int

    public init(capacity: Int = 200_000) {
        self.capacity = capacity
    }

    fileprivate mutating func insert(_ ids: [Int], for piece: [UInt8]) {
        guard capacity > 0 else { return }
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[piece] = ids
    }
}
