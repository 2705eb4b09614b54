import Foundation

/// BPE over characters with byte fallback, as Llama 2's and Mistral's tokenizers (SentencePiece
/// BPE converted to Hugging Face's `BPE` with `byte_fallback`).
///
/// A pre-token starts as one symbol per character; a character outside the vocabulary becomes
/// its UTF-8 bytes as `<0xHH>` pieces (or `<unk>`, runs fused with `fuseUnknown`, when byte
/// pieces are missing), exactly as Hugging Face's BPE does; then merges apply by rank.
public struct CharacterBPE: Sendable {
    public let pieces: [String]
    public let unknownID: Int?
    public let byteFallback: Bool
    public let fuseUnknown: Bool
    let encoding: BytePairEncoding
    private let idOfCharacter: [Unicode.Scalar: Int]
    /// The id of each byte's `<0xHH>` piece, when all 256 exist.
    private let byteIDs: [Int]?

    /// A model over `pieces` (by id) with `merges` given as pairs of piece ids in rank order.
    ///
    /// `mergeIDs[r]` is the id merge `r` makes; the caller checks the ids are in range.
    init(
        pieces: [String], specialTokens: [SpecialToken], merges: [BytePairEncoding.Merge],
        mergeIDs: [Int], unknownID: Int?, byteFallback: Bool, fuseUnknown: Bool
    ) {
        self.pieces = pieces
        self.unknownID = unknownID
        self.byteFallback = byteFallback
        self.fuseUnknown = fuseUnknown
        encoding = BytePairEncoding(
            tokens: pieces.map { Array($0.utf8) }, specialTokens: specialTokens, byteIDs: [],
            merges: merges, mergeIDs: mergeIDs, ignoresMerges: false)
        var idOfCharacter: [Unicode.Scalar: Int] = [:]
        var idOfPiece: [[UInt8]: Int] = [:]
        for (id, piece) in pieces.enumerated() {
            idOfPiece[Array(piece.utf8)] = idOfPiece[Array(piece.utf8)] ?? id
            let scalars = piece.unicodeScalars
            if scalars.count == 1, let scalar = scalars.first, idOfCharacter[scalar] == nil {
                idOfCharacter[scalar] = id
            }
        }
        self.idOfCharacter = idOfCharacter
        let bytes = (0..<256).map { idOfPiece[Array(UnigramModel.bytePiece(UInt8($0)).utf8)] }
        byteIDs = bytes.allSatisfy { $0 != nil } ? bytes.compactMap { $0 } : nil
    }

    public var merges: [BytePairEncoding.Merge] { encoding.merges }

    /// The ids of one pre-token.
    public func encode(piece text: String) -> [Int] {
        var symbols: [Int] = []
        var pendingUnknown = false
        for scalar in text.unicodeScalars {
            if let id = idOfCharacter[scalar] {
                if pendingUnknown, let unknownID { symbols.append(unknownID) }
                pendingUnknown = false
                symbols.append(id)
            } else if byteFallback, let byteIDs {
                for byte in String(scalar).utf8 { symbols.append(byteIDs[Int(byte)]) }
            } else if let unknownID {
                if pendingUnknown && !fuseUnknown { symbols.append(unknownID) }
                pendingUnknown = true
            }
        }
        if pendingUnknown, let unknownID { symbols.append(unknownID) }
        return encoding.merge(symbols)
    }

    /// Learns a character BPE from SentencePiece-style pieces: the vocabulary holds the special
    /// tokens, the 256 byte pieces, the characters that cover `characterCoverage` of the text
    /// (most frequent first, at most `alphabetLimit`), then one token per merge.
    static func train(
        counts: [[UInt8]: Int64], vocabularySize: Int, specialTokens: [String],
        characterCoverage: Double, alphabetLimit: Int? = nil, minimumFrequency: Int64,
        maximumTokenLength: Int?
    ) -> CharacterBPE {
        let sorted = counts.sorted { $0.key.lexicographicallyPrecedes($1.key) }
        let scalars = sorted.map {
            String(decoding: $0.key, as: UTF8.self).unicodeScalars.map(\.value)
        }
        let frequencies = sorted.map(\.value)
        let fixed =
            specialTokens.map { Array($0.unicodeScalars.map(\.value)) }
            + (0..<256).map { Array(UnigramModel.bytePiece(UInt8($0)).unicodeScalars.map(\.value)) }
        let alphabet = coveringAlphabet(
            scalars, frequencies: frequencies, coverage: characterCoverage,
            limit: min(vocabularySize - fixed.count, alphabetLimit ?? .max))
        var idOf: [UInt32: Int] = [:]
        for (index, scalar) in alphabet.enumerated() { idOf[scalar] = fixed.count + index }
        var words = scalars.map { $0.map { idOf[$0] ?? -1 } }
        var learner = MergeLearner(symbols: fixed + alphabet.map { [$0] }, specials: fixed.count)
        learner.learn(
            words: &words, frequencies: frequencies, vocabularySize: vocabularySize,
            minimumFrequency: minimumFrequency, maximumTokenLength: maximumTokenLength)
        let pieces =
            specialTokens
            + learner.tokens.dropFirst(specialTokens.count).map(UnigramTrainer.string)
        return CharacterBPE(
            pieces: pieces,
            specialTokens: specialTokens.enumerated().map { SpecialToken(id: $0, content: $1) },
            merges: learner.merges, mergeIDs: learner.mergeIDs,
            unknownID: specialTokens.firstIndex(of: "<unk>"), byteFallback: true, fuseUnknown: true)
    }
}

/// The characters of `words` (each occurring `frequencies[i]` times), most frequent first (ties
/// by code point), as many as it takes to cover `coverage` of all character occurrences and no
/// more than `limit`: the alphabet of Unigram and character-BPE training, rarer characters
/// being left to byte fallback.
func coveringAlphabet(
    _ words: [[UInt32]], frequencies: [Int64], coverage: Double, limit: Int
) -> [UInt32] {
    var counts: [UInt32: Int64] = [:]
    for (word, frequency) in zip(words, frequencies) {
        for scalar in word { counts[scalar, default: 0] += frequency }
    }
    let total = Double(counts.values.reduce(0, +))
    var alphabet: [UInt32] = []
    var covered = 0.0
    for (scalar, count) in counts.sorted(by: { ($1.value, $0.key) < ($0.value, $1.key) }) {
        guard covered < total * coverage, alphabet.count < limit else { break }
        alphabet.append(scalar)
        covered += Double(count)
    }
    return alphabet
}
