import Foundation

/// A Unigram language-model tokenizer's model (SentencePiece's, and Hugging Face's `Unigram`):
/// pieces with log-probability scores; a pre-token is cut into the pieces whose scores sum
/// highest (Viterbi).
///
/// Encoding follows Hugging Face's lattice exactly: at each character, every piece starting
/// there is tried, shortest first, and a later candidate replaces the best path only when it
/// scores strictly higher; a character no piece covers becomes `<unk>` with the lowest score
/// minus 10, runs of such characters are fused, and with `byteFallback` an unknown run becomes
/// its UTF-8 bytes as `<0xHH>` pieces.
public struct UnigramModel: Sendable {
    public let pieces: [String]
    public let scores: [Double]
    public let unknownID: Int
    public let byteFallback: Bool
    private let trie: PrefixTrie<UInt8>
    /// Ids by UTF-8 bytes (String keys would merge canonically equivalent pieces).
    private let idOfPiece: [[UInt8]: Int]
    private let unknownScore: Double
    /// The id of each byte's `<0xHH>` piece, when all 256 exist.
    private let byteIDs: [Int]?

    public init(pieces: [String], scores: [Double], unknownID: Int, byteFallback: Bool) {
        self.pieces = pieces
        self.scores = scores
        self.unknownID = unknownID
        self.byteFallback = byteFallback
        var idOfPiece: [[UInt8]: Int] = [:]
        for (id, piece) in pieces.enumerated() where idOfPiece[Array(piece.utf8)] == nil {
            idOfPiece[Array(piece.utf8)] = id
        }
        self.idOfPiece = idOfPiece
        trie = PrefixTrie(idOfPiece.lazy.map { (units: $0.key, id: $0.value) })
        unknownScore = (scores.min() ?? 0) - 10
        let bytes = (0..<256).map { idOfPiece[Array(Self.bytePiece(UInt8($0)).utf8)] }
        byteIDs = bytes.allSatisfy { $0 != nil } ? bytes.compactMap { $0 } : nil
    }

    /// SentencePiece's name for a byte piece: `<0x41>`.
    public static func bytePiece(_ byte: UInt8) -> String {
        "<0x" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2) + ">"
    }

    public var vocabularySize: Int { pieces.count }

    /// The ids of one pre-token.
    public func encode(piece text: String) -> [Int] {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return [] }
        // best[end]: the best path's score up to byte `end`, where its last piece starts, its id.
        var score = [Double](repeating: 0, count: bytes.count + 1)
        var start = [Int](repeating: -1, count: bytes.count + 1)
        var id = [Int](repeating: -1, count: bytes.count + 1)
        var position = 0
        while position < bytes.count {
            let here = score[position]
            let characterLength = Self.utf8Length(bytes[position])
            var coversCharacter = false
            trie.forEachPrefix(of: bytes, from: position) { end, piece in
                let candidate = here + scores[piece]
                if start[end] < 0 || candidate > score[end] {
                    score[end] = candidate
                    start[end] = position
                    id[end] = piece
                }
                if end - position == characterLength { coversCharacter = true }
            }
            let end = min(position + characterLength, bytes.count)
            if !coversCharacter {
                let candidate = here + unknownScore
                if start[end] < 0 || candidate > score[end] {
                    score[end] = candidate
                    start[end] = position
                    id[end] = unknownID
                }
            }
            position = end
        }
        // Walk back, then fuse unknown runs and fall back to bytes.
        var path: [(id: Int, range: Range<Int>)] = []
        var end = bytes.count
        while end > 0 {
            path.append((id[end], start[end]..<end))
            end = start[end]
        }
        path.reverse()
        var ids: [Int] = []
        var index = 0
        while index < path.count {
            guard path[index].id == unknownID else {
                ids.append(path[index].id)
                index += 1
                continue
            }
            let first = path[index].range.lowerBound
            while index < path.count && path[index].id == unknownID { index += 1 }
            let last = path[index - 1].range.upperBound
            let fused = bytes[first..<last]
            if let known = idOfPiece[Array(fused)] {
                ids.append(known)
            } else if byteFallback, let byteIDs {
                ids += fused.map { byteIDs[Int($0)] }
            } else {
                ids.append(unknownID)
            }
        }
        return ids
    }

    static func utf8Length(_ lead: UInt8) -> Int {
        switch lead {
        case 0..<0x80: 1
        case 0xF0...: 4
        case 0xE0...: 3
        case 0xC0...: 2
        default: 1
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
