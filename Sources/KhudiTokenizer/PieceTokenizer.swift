import Foundation

/// SentencePiece-style splitting: spaces become `▁` (U+2581) and stay in the pieces, so decoding
/// puts them back; Hugging Face's `Metaspace` pre-tokenizer.
///
/// Khudi's own Unigram tokenizers prepend nothing (`never`), so every text round-trips byte for
/// byte, split before each `▁`, and isolate runs of symbols (۔ ، ؟ . …) as a `Split` after the
/// Metaspace, so punctuation is never glued onto a word.
public struct MetaspaceSplitter: Equatable, Sendable {
    public enum Prepend: String, Sendable {
        /// `▁` before every stretch between special tokens that lacks one.
        case always
        /// `▁` before the text's first stretch only.
        case first
        case never
        /// `▁` before every stretch, even one that starts with `▁` or a space (Llama 2's
        /// `Prepend` normalizer).
        case unconditionally
    }

    public static let replacement: Character = "\u{2581}"

    public var prepend: Prepend
    /// Whether each `▁` starts a new piece (Metaspace's `split`).
    public var splitsWords: Bool
    /// Whether runs of `symbolPattern` characters become pieces of their own.
    public var isolatesSymbols: Bool

    public init(prepend: Prepend = .never, splitsWords: Bool = true, isolatesSymbols: Bool = true) {
        self.prepend = prepend
        self.splitsWords = splitsWords
        self.isolatesSymbols = isolatesSymbols
    }

    /// Characters that are not letters, marks, digits, ZWNJ, whitespace or `▁`.
    public static let symbolPattern = #"[^\p{L}\p{M}\p{N}\x{200C}\s\x{2581}]+"#

    /// The pieces of one stretch of text (`first` when it starts the text).
    public func split(_ text: String, first: Bool) -> [String] {
        var pieces: [String] = []
        forEachPiece(text, first: first) { pieces.append(String(decoding: $0, as: UTF8.self)) }
        return pieces
    }

    /// Calls `body` with the UTF-8 bytes of each piece of `text` in order (the pieces `split`
    /// returns), built in one reused buffer: counting a corpus makes no string per piece.
    ///
    /// Spaces become `▁`; a piece ends before a `▁` (when `splitsWords`) and where a run of
    /// symbols starts or ends (when `isolatesSymbols`). Scalar by scalar: a space followed by a
    /// combining mark is one Swift Character.
    public func forEachPiece(
        _ text: String, first: Bool, _ body: (UnsafeBufferPointer<UInt8>) -> Void
    ) {
        let marker: [UInt8] = [0xE2, 0x96, 0x81]  // ▁ in UTF-8
        var piece: [UInt8] = []
        piece.reserveCapacity(64)
        var inSymbols = false
        func finish() {
            if !piece.isEmpty { piece.withUnsafeBufferPointer(body) }
            piece.removeAll(keepingCapacity: true)
        }
        let startsWithMarker = text.unicodeScalars.first.map { $0 == " " || $0 == "\u{2581}" }
        if prepend == .unconditionally
            || (prepend == .always || (prepend == .first && first)) && startsWithMarker != true
        {
            piece.append(contentsOf: marker)
        }
        for scalar in text.unicodeScalars {
            let isMarker = scalar == " " || scalar == "\u{2581}"
            let symbol = isolatesSymbols && !isMarker && Self.isSymbol(scalar)
            if (splitsWords && isMarker) || symbol != inSymbols { finish() }
            inSymbols = symbol
            if isMarker {
                piece.append(contentsOf: marker)
            } else {
                piece.append(contentsOf: scalar.utf8)
            }
        }
        finish()
    }

    /// Not a letter, mark, digit, ZWNJ, whitespace or `▁` (the pre-tokenizer's "other" class).
    static func isSymbol(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value != 0x2581 && PersoArabicPreTokenizer.classify(scalar) == .other
    }
}

/// The model of a `PieceTokenizer`.
public enum PieceModel: Sendable {
    case unigram(UnigramModel)
    case bpe(CharacterBPE)

    /// Piece strings by id.
    public var pieces: [String] {
        switch self {
        case .unigram(let model): model.pieces
        case .bpe(let model): model.pieces
        }
    }

    public var vocabularySize: Int { pieces.count }

    /// The ids of one pre-token.
    public func encode(piece text: String) -> [Int] {
        switch self {
        case .unigram(let model): model.encode(piece: text)
        case .bpe(let model): model.encode(piece: text)
        }
    }
}

/// A SentencePiece-style tokenizer: a normalization, `MetaspaceSplitter`, a Unigram or character
/// BPE model with byte fallback, special tokens.
///
/// Khudi trains it with NFC, specials at ids 0…, the 256 `<0xHH>` byte pieces next and the
/// learned pieces after them, and writes it in Hugging Face's components (normalizer NFC;
/// pre-tokenizer Sequence[Metaspace(prepend never, split), Split(symbols, Isolated)]; decoder
/// Sequence[Replace(▁, " "), ByteFallback, Fuse]; model Unigram, or BPE, with `byte_fallback`).
public struct PieceTokenizer: TextTokenizer {
    public let model: PieceModel
    public let normalization: UnicodeNormalization
    public let splitter: MetaspaceSplitter
    public let specialTokens: [SpecialToken]
    public let template: SpecialTokenTemplate
    private let specials: SpecialTokenMatcher
    private let specialContent: [Int: String]
    /// The byte of each `<0xHH>` piece, by id.
    private let byteOfPiece: [Int: UInt8]

    public init(
        model: PieceModel, specialTokens: [SpecialToken],
        normalization: UnicodeNormalization = .nfc, splitter: MetaspaceSplitter = .init(),
        template: SpecialTokenTemplate = .init()
    ) {
        self.model = model
        self.normalization = normalization
        self.splitter = splitter
        self.specialTokens = specialTokens.sorted { $0.id < $1.id }
        self.template = template
        specials = SpecialTokenMatcher(self.specialTokens)
        specialContent = Dictionary(
            specialTokens.map { ($0.id, $0.content) }, uniquingKeysWith: { first, _ in first })
        var byteOfPiece: [Int: UInt8] = [:]
        for (id, piece) in model.pieces.enumerated() {
            if let byte = Self.byte(named: piece) { byteOfPiece[id] = byte }
        }
        self.byteOfPiece = byteOfPiece
    }

    /// The byte a `<0xHH>` piece stands for.
    static func byte(named piece: String) -> UInt8? {
        guard piece.utf8.count == 6, piece.hasPrefix("<0x"), piece.hasSuffix(">") else {
            return nil
        }
        return UInt8(piece.dropFirst(3).prefix(2), radix: 16)
    }

    /// The splitter of `counter` if a `model` can be trained from it at `vocabularySize`: room for
    /// the special tokens, the 256 byte pieces and at least one more, some text, and a
    /// Metaspace split.
    private static func trainable(
        _ counter: PreTokenCounter, vocabularySize: Int, specialTokens: [String],
        model: String
    ) throws(TokenizerError) -> MetaspaceSplitter {
        let minimum = specialTokens.count + 256 + 1
        guard vocabularySize >= minimum else {
            throw .vocabularyTooSmall(requested: vocabularySize, minimum: minimum)
        }
        guard counter.distinctCount > 0 else { throw .emptyCorpus }
        guard case .metaspace(let splitter) = counter.splitting else {
            throw .mismatchedCounter("\(model) needs a PreTokenCounter with a Metaspace split")
        }
        return splitter
    }

    /// Trains a Unigram tokenizer (with byte fallback) from counted pieces; `counter` must split
    /// with a `MetaspaceSplitter`, which the tokenizer then uses.
    public static func trainUnigram(
        _ counter: PreTokenCounter, vocabularySize: Int,
        specialTokens: [String] = ByteLevelTokenizer.defaultSpecialTokens,
        characterCoverage: Double = 0.9995, alphabetLimit: Int? = nil, maximumPieceLength: Int = 16,
        threads: Int = 1
    ) throws(TokenizerError) -> PieceTokenizer {
        let splitter = try trainable(
            counter, vocabularySize: vocabularySize, specialTokens: specialTokens, model: "Unigram")
        var options = UnigramModel.TrainingOptions(
            vocabularySize: vocabularySize, specialTokens: specialTokens)
        options.characterCoverage = characterCoverage
        options.alphabetLimit = alphabetLimit
        options.maximumPieceLength = maximumPieceLength
        let model = UnigramModel.train(counts: counter.counts, options: options, threads: threads)
        return PieceTokenizer(
            model: .unigram(model),
            specialTokens: specialTokens.enumerated().map { SpecialToken(id: $0, content: $1) },
            splitter: splitter)
    }

    /// Trains a character BPE tokenizer with byte fallback (as Llama 2's) from counted pieces;
    /// `counter` must split with a `MetaspaceSplitter`, which the tokenizer then uses.
    public static func trainBPE(
        _ counter: PreTokenCounter, vocabularySize: Int,
        specialTokens: [String] = ByteLevelTokenizer.defaultSpecialTokens,
        characterCoverage: Double = 0.9995, alphabetLimit: Int? = nil, minimumFrequency: Int64 = 2,
        maximumTokenLength: Int? = nil
    ) throws(TokenizerError) -> PieceTokenizer {
        let splitter = try trainable(
            counter, vocabularySize: vocabularySize, specialTokens: specialTokens,
            model: "character BPE")
        let model = CharacterBPE.train(
            counts: counter.counts, vocabularySize: vocabularySize, specialTokens: specialTokens,
            characterCoverage: characterCoverage, alphabetLimit: alphabetLimit,
            minimumFrequency: minimumFrequency,
            maximumTokenLength: maximumTokenLength)
        return PieceTokenizer(
            model: .bpe(model),
            specialTokens: specialTokens.enumerated().map { SpecialToken(id: $0, content: $1) },
            splitter: splitter)
    }

    public var vocabularySize: Int {
        max(model.vocabularySize, (specialTokens.map(\.id).max() ?? -1) + 1)
    }

    public func encode(_ text: String, cache: inout PieceCache) -> [Int] {
        var ids: [Int] = []
        specials.segments(
            of: text,
            plain: { stretch, first in
                for piece in splitter.split(normalization.apply(String(stretch)), first: first) {
                    ids += cache.ids(for: Array(piece.utf8)) { _ in model.encode(piece: piece) }
                }
            }, special: { ids.append($0) })
        return ids
    }

    /// The text of `ids`: byte pieces fused into UTF-8, `▁` back to spaces, and with a
    /// prepending splitter the one space it added at the start removed (as Hugging Face's
    /// Replace, ByteFallback, Fuse and Strip decoders).
    public func decode(_ ids: [Int]) -> String {
        var bytes: [UInt8] = []
        for id in ids {
            if let byte = byteOfPiece[id] {
                bytes.append(byte)
            } else if let special = specialContent[id] {
                bytes += special.utf8
            } else if id < model.pieces.count {
                var piece = Array(model.pieces[id].utf8)
                piece.replaceMetaspaces()
                bytes += piece
            }
        }
        if splitter.prepend != .never && bytes.first == 0x20 { bytes.removeFirst() }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension [UInt8] {
    /// Every `▁` (E2 96 81 in UTF-8) replaced by a space; byte-wise, so a mark after it cannot
    /// hide it as Swift's Character comparison would.
    mutating func replaceMetaspaces() {
        guard count >= 3 else { return }
        var result: [UInt8] = []
        result.reserveCapacity(count)
        var i = 0
        while i < count {
            if i + 2 < count && self[i] == 0xE2 && self[i + 1] == 0x96 && self[i + 2] == 0x81 {
                result.append(0x20)
                i += 3
            } else {
                result.append(self[i])
                i += 1
            }
        }
        self = result
    }
}
