import Foundation
import KhudiTokenizer
import Testing

@Suite struct CharacterBPETests {
    /// Llama 2's layout in miniature: <unk> <s> </s>, the byte pieces, then characters and merges.
    static func llama2Like(
        byteFallback: Bool = true, fuseUnknown: Bool = true
    ) throws -> PieceTokenizer {
        var vocabulary: [String: Int] = ["<unk>": 0, "<s>": 1, "</s>": 2]
        for byte in 0..<256 { vocabulary[UnigramModel.bytePiece(UInt8(byte))] = 3 + byte }
        for (offset, piece) in ["▁", "a", "b", "ab", "▁ab", "ک", "ت", "کت"].enumerated() {
            vocabulary[piece] = 259 + offset
        }
        let object: [String: Any] = [
            "added_tokens": [
                ["id": 0, "content": "<unk>", "special": true],
                ["id": 1, "content": "<s>", "special": true],
                ["id": 2, "content": "</s>", "special": true],
            ],
            "normalizer": [
                "type": "Sequence",
                "normalizers": [
                    ["type": "Prepend", "prepend": "▁"],
                    ["type": "Replace", "pattern": ["String": " "], "content": "▁"],
                ],
            ],
            "pre_tokenizer": NSNull(),
            "post_processor": [
                "type": "TemplateProcessing",
                "single": [
                    ["SpecialToken": ["id": "<s>", "type_id": 0]],
                    ["Sequence": ["id": "A", "type_id": 0]],
                ],
                "special_tokens": ["<s>": ["id": "<s>", "ids": [1]]],
            ],
            "model": [
                "type": "BPE", "unk_token": "<unk>", "byte_fallback": byteFallback,
                "fuse_unk": fuseUnknown, "vocab": vocabulary,
                "merges": ["a b", "▁ ab", "ک ت"],
            ] as [String: Any],
        ]
        return try PieceTokenizer(tokenizerJSON: try JSONSerialization.data(withJSONObject: object))
    }

    @Test func mergesByRankAndFallsBackToBytes() throws {
        let tokenizer = try Self.llama2Like()
        // "ab ab" → ▁ab▁ab: a+b first (rank 0), then ▁+ab.
        #expect(tokenizer.encode("ab ab") == [263, 263])
        // é is outside the vocabulary: its two UTF-8 bytes C3 A9.
        #expect(tokenizer.encode("aé") == [259, 260, 3 + 0xC3, 3 + 0xA9])
        #expect(tokenizer.encode("کت", addingSpecialTokens: true) == [1, 259, 266])
        #expect(tokenizer.decode([1, 259, 266]) == "<s> کت")
        #expect(tokenizer.decode([263, 263]) == "ab ab")  // the prepended space is stripped
        #expect(tokenizer.endOfTextID == 2)
    }

    @Test func unknownCharactersFuseWithoutByteFallback() throws {
        #expect(try Self.llama2Like(byteFallback: false).encode("aéé") == [259, 260, 0])
        #expect(
            try Self.llama2Like(byteFallback: false, fuseUnknown: false).encode("aéé")
                == [259, 260, 0, 0])
    }

    @Test func trainedCharacterBPERoundTripsAndReadsBack() throws {
        var counter = PreTokenCounter(splitter: MetaspaceSplitter())
        for _ in 0..<3 {
            counter.add(contentsOf: UnigramTests.corpus, threads: 2)
        }
        let tokenizer = try PieceTokenizer.trainBPE(
            counter, vocabularySize: 7 + 256 + 60, characterCoverage: 1, minimumFrequency: 2)
        #expect(tokenizer.vocabularySize <= 7 + 256 + 60)
        #expect(tokenizer.model.pieces.contains("پاکستان"))
        let reread = try PieceTokenizer(tokenizerJSON: try tokenizer.tokenizerJSON())
        for text in UnigramTests.corpus + ["نیا لفظ 😀 ok", "  دو  "] {
            #expect(reread.encode(text) == tokenizer.encode(text))
            #expect(tokenizer.decode(tokenizer.encode(text)) == text)
        }
    }
}

extension CharacterBPETests {
    /// An alphabet limit keeps the most frequent characters; the rest fall back to bytes and
    /// still round-trip.
    @Test(arguments: ["bpe", "unigram"])
    func alphabetLimitLeavesRareCharactersToBytes(model: String) throws {
        var counter = PreTokenCounter(splitter: MetaspaceSplitter())
        counter.add(contentsOf: UnigramTests.corpus, threads: 1)
        let tokenizer =
            model == "bpe"
            ? try PieceTokenizer.trainBPE(
                counter, vocabularySize: 7 + 256 + 40, characterCoverage: 1, alphabetLimit: 5,
                minimumFrequency: 1)
            : try PieceTokenizer.trainUnigram(
                counter, vocabularySize: 7 + 256 + 40, characterCoverage: 1, alphabetLimit: 5)
        let characters = tokenizer.model.pieces.dropFirst(7 + 256).filter {
            $0.unicodeScalars.count == 1
        }
        #expect(characters.count <= 5)
        let text = UnigramTests.corpus.joined(separator: " ")
        #expect(tokenizer.encode(text).contains { (7..<(7 + 256)).contains($0) })
        #expect(tokenizer.decode(tokenizer.encode(text)) == text)
    }
}
