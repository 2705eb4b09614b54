import Foundation
import KhudiText

/// A byte-level BPE tokenizer: NFC, the Perso-Arabic pre-tokenizer, GPT-2's byte map and a
/// `BytePairEncoding` model.
///
/// `tokenizerJSON()` writes the same pipeline in Hugging Face's components (normalizer NFC;
/// pre-tokenizer Sequence[Split(pattern, Isolated), ByteLevel(use_regex: false)]; decoder
/// ByteLevel), so `tokenizers` produces the same ids.
public struct ByteLevelTokenizer: Sendable {
    public let model: BytePairEncoding

    /// Special tokens every Khudi tokenizer reserves, at ids 0… in this order.
    public static let defaultSpecialTokens = [
        "<|pad|>", "<|bos|>", "<|eos|>", "<unk>", "<|system|>", "<|user|>", "<|assistant|>",
    ]

    /// The first UTF-8 bytes of the special tokens: text holding none of them holds no special
    /// token, which `encode` checks with one byte scan.
    private let specialTokenFirstBytes: Set<UInt8>

    public init(model: BytePairEncoding) {
        self.model = model
        specialTokenFirstBytes = Set(model.specialTokens.compactMap(\.utf8.first))
    }

    /// Pre-token counts gathered from text fed in pieces, so a corpus is streamed, never held.
    public struct Counter: Sendable {
        public private(set) var counts: [[UInt8]: Int64] = [:]
        public private(set) var bytes = 0

        public init() {}

        /// Counts the pre-tokens of `text` (after NFC).
        public mutating func add(_ text: String) {
            bytes += text.utf8.count
            for piece in PersoArabicPreTokenizer.split(text.precomposedStringWithCanonicalMapping) {
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
            var partial = [Counter](repeating: Counter(), count: parts)
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
        return ByteLevelTokenizer(model: model)
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

    /// The ids of `text` (no special tokens added).
    ///
    /// Special-token strings in the text become their ids, matched before normalization as Hugging
    /// Face matches added tokens.
    public func encode(_ text: String) -> [Int] {
        var cache = PieceCache(capacity: 0)
        return encode(text, cache: &cache)
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
            for piece in PersoArabicPreTokenizer.split(
                String(plain).precomposedStringWithCanonicalMapping)
            {
                let bytes = Array(piece.utf8)
                if let known = cache.entries[bytes] {
                    ids += known
                    continue
                }
                let encoded = model.encode(piece: bytes)
                cache.insert(encoded, for: bytes)
                ids += encoded
            }
            guard let (id, range) = next else { break }
            ids.append(id)
            rest = rest[range.upperBound...]
        }
        return ids
    }

    /// The first special token in `text` and where it is; a byte scan skips the search when no
    /// special token's first byte occurs at all (the usual case).
    private func nextSpecialToken(in text: Substring) -> (Int, Range<Substring.Index>)? {
        guard text.utf8.contains(where: specialTokenFirstBytes.contains) else { return nil }
        return model.specialTokens.enumerated().compactMap { id, token in
            text.range(of: token).map { (id, $0) }
        }.min { $0.1.lowerBound < $1.1.lowerBound }
    }

    /// The text of `ids` (invalid UTF-8 from partial tokens becomes U+FFFD).
    public func decode(_ ids: [Int]) -> String {
        String(decoding: model.decode(ids), as: UTF8.self)
    }

    /// The tokenizer as Hugging Face's tokenizer.json.
    public func tokenizerJSON() throws -> Data {
        var vocabulary: [String: Int] = [:]
        for (id, bytes) in model.tokens.enumerated() {
            vocabulary[id < model.firstByteID ? model.specialTokens[id] : ByteLevel.encode(bytes)] =
                id
        }
        let merges = model.merges.map {
            [ByteLevel.encode(model.tokens[$0.left]), ByteLevel.encode(model.tokens[$0.right])]
        }
        let added: [[String: Any]] = model.specialTokens.enumerated().map { id, content in
            [
                "id": id, "content": content, "single_word": false, "lstrip": false,
                "rstrip": false, "normalized": false, "special": true,
            ]
        }
        let byteLevel: [String: Any] = [
            "type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true,
            "use_regex": false,
        ]
        let object: [String: Any] = [
            "version": "1.0",
            "truncation": NSNull(),
            "padding": NSNull(),
            "added_tokens": added,
            "normalizer": ["type": "NFC"],
            "pre_tokenizer": [
                "type": "Sequence",
                "pretokenizers": [
                    [
                        "type": "Split", "pattern": ["Regex": PersoArabicPreTokenizer.pattern],
                        "behavior": "Isolated", "invert": false,
                    ],
                    byteLevel,
                ],
            ],
            "post_processor": NSNull(),
            "decoder": byteLevel,
            "model": [
                "type": "BPE", "dropout": NSNull(), "unk_token": NSNull(),
                "continuing_subword_prefix": NSNull(),
                "end_of_word_suffix": NSNull(), "fuse_unk": false, "byte_fallback": false,
                "ignore_merges": false,
                "vocab": vocabulary, "merges": merges,
            ] as [String: Any],
        ]
        return try JSONSerialization.data(
            withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
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
