import Foundation
import KhudiTokenizer
import Testing
import _KhudiTestSupport

@Suite struct UnigramTests {
    /// `<unk>`, the 256 byte pieces, then a, b, ab, ▁ and ▁a with hand-set scores.
    static func model(abScore: Double, byteFallback: Bool = true) -> UnigramModel {
        var pieces = ["<unk>"] + (0..<256).map { UnigramModel.bytePiece(UInt8($0)) }
        var scores = [Double](repeating: -100, count: pieces.count)
        pieces += ["a", "b", "ab", "\u{2581}", "\u{2581}a"]
        scores += [-1, -1, abScore, -2, -2.5]
        return UnigramModel(
            pieces: pieces, scores: scores, unknownID: 0, byteFallback: byteFallback)
    }

    @Test func viterbiTakesTheHighestScoringSegmentation() {
        let a = 257
        let b = 258
        let ab = 259
        #expect(Self.model(abScore: -1.5).encode(piece: "ab") == [ab])  // −1.5 beats −2
        #expect(Self.model(abScore: -3).encode(piece: "ab") == [a, b])  // −2 beats −3
        // Ties keep the path whose last piece starts first (found first), as Hugging Face.
        #expect(Self.model(abScore: -2).encode(piece: "ab") == [ab])
        #expect(Self.model(abScore: -1.5).encode(piece: "\u{2581}ab") == [260, ab])  // not ▁a + b
    }

    @Test func unknownCharactersFallBackToBytesOrFuseIntoUnknown() {
        // "é" is two UTF-8 bytes, C3 A9; "xé" is one unknown run.
        #expect(
            Self.model(abScore: -1).encode(piece: "axéb") == [
                257, 1 + 0x78, 1 + 0xC3, 1 + 0xA9, 258,
            ])
        #expect(
            Self.model(abScore: -1, byteFallback: false).encode(piece: "axéb") == [257, 0, 258])
        #expect(UnigramModel.bytePiece(0x0A) == "<0x0A>")
    }

    static let splits: [(String, [String])] = [
        ("یہ کتاب ہے۔", ["یہ", "▁کتاب", "▁ہے", "۔"]),
        ("a  b", ["a", "▁", "▁b"]),
        ("کیا؟! ہاں", ["کیا", "؟!", "▁ہاں"]),
        ("خوش\u{200C}نما عِلم", ["خوش\u{200C}نما", "▁عِلم"]),
        (" x\ty", ["▁x\ty"]),
    ]

    @Test(arguments: splits)
    func metaspaceSplits(_ c: (String, [String])) {
        #expect(MetaspaceSplitter().split(c.0, first: true) == c.1)
    }

    @Test func prependSchemesFollowMetaspace() {
        let first = MetaspaceSplitter(prepend: .first, splitsWords: true, isolatesSymbols: false)
        #expect(first.split("a b", first: true) == ["▁a", "▁b"])
        #expect(first.split("a b", first: false) == ["a", "▁b"])
        let always = MetaspaceSplitter(prepend: .always, splitsWords: false, isolatesSymbols: false)
        #expect(always.split("a b.", first: false) == ["▁a▁b."])
    }

    static let corpus = [
        "پاکستان ایک خوبصورت ملک ہے۔", "پاکستان کے پہاڑ اونچے ہیں۔", "ہم پاکستان سے محبت کرتے ہیں۔",
        "کتاب میز پر ہے۔", "یہ کتاب اچھی ہے۔", "Hello world, hello Pakistan.",
    ]

    static func trained(threads: Int, vocabulary: Int = 330) throws -> PieceTokenizer {
        var counter = PreTokenCounter(splitter: MetaspaceSplitter())
        for _ in 0..<3 { counter.add(contentsOf: corpus, threads: threads) }
        return try PieceTokenizer.trainUnigram(
            counter, vocabularySize: vocabulary, characterCoverage: 1, threads: threads)
    }

    @Test func trainingLearnsFrequentWordsDeterministically() throws {
        let one = try Self.trained(threads: 1)
        let three = try Self.trained(threads: 3)
        #expect(try one.tokenizerJSON() == three.tokenizerJSON())
        #expect(one.model.pieces.contains("\u{2581}پاکستان"))
        #expect(one.model.pieces.count <= 330)
        #expect(one.model.pieces[3] == "<unk>" && one.model.pieces[7] == "<0x00>")
        #expect(one.encode(" پاکستان") == [one.model.pieces.firstIndex(of: "\u{2581}پاکستان")])
        // Every character of the corpus is a piece (coverage 1), so nothing falls back to bytes.
        let ids = one.encode(Self.corpus.joined(separator: " "))
        #expect(ids.allSatisfy { $0 >= 7 + 256 })
    }

    @Test func encodingRoundTripsRandomUnicodeAndReadsBack() throws {
        let tokenizer = try Self.trained(threads: 2)
        let reread = try PieceTokenizer(tokenizerJSON: try tokenizer.tokenizerJSON())
        var random = TestRandom(seed: 5)
        let pool: [Unicode.Scalar] = [
            "ا", "ب", "پ", "ک", "\u{0650}", "\u{200C}", " ", "\n", "a", "Z", "1", "۔", "\u{1F600}",
            "\u{2581}", "<", ">", "\t", "\u{FB50}", "é",
        ]
        for _ in 0..<300 {
            var text = String.UnicodeScalarView()
            for _ in 0..<Int(random.next() % 20) {
                text.append(pool[Int(random.next() % UInt64(pool.count))])
            }
            let string = String(text)
            let ids = tokenizer.encode(string)
            #expect(reread.encode(string) == ids)
            // ▁ typed in the text decodes as a space, as in SentencePiece; anything else exactly.
            let expected = string.precomposedStringWithCanonicalMapping.unicodeScalars.map {
                $0 == "\u{2581}" ? " " : $0
            }
            #expect(tokenizer.decode(ids) == String(String.UnicodeScalarView(expected)))
        }
        #expect(tokenizer.encode("<0x41>") != [7 + 0x41])  // literal text is not a byte piece
    }

    @Test func badInputIsNamed() throws {
        #expect(throws: TokenizerError.vocabularyTooSmall(requested: 100, minimum: 264)) {
            try PieceTokenizer.trainUnigram(
                PreTokenCounter(splitter: MetaspaceSplitter()), vocabularySize: 100)
        }
        #expect(throws: TokenizerError.emptyCorpus) {
            try PieceTokenizer.trainUnigram(
                PreTokenCounter(splitter: MetaspaceSplitter()), vocabularySize: 400)
        }
        var byteLevel = PreTokenCounter()
        byteLevel.add("x")
        #expect(throws: TokenizerError.self) {
            try PieceTokenizer.trainUnigram(byteLevel, vocabularySize: 400)
        }
        let json = String(decoding: try Self.trained(threads: 1).tokenizerJSON(), as: UTF8.self)
        for (edit, field) in [
            (#""unk_id" : 3"#, #""unk_id" : null"#, "model.unk_id"),
            (
                #""type" : "Metaspace""#, #""type" : "Whitespace""#,
                "pre_tokenizer.pretokenizers[0].type"
            ),
        ].map({ (($0.0, $0.1), $0.2) }) {
            #expect(json.contains(edit.0))
            do {
                _ = try PieceTokenizer(
                    tokenizerJSON: Data(json.replacingOccurrences(of: edit.0, with: edit.1).utf8))
                Issue.record("accepted \(field)")
            } catch {
                guard case .unsupported(let named, _) = error else {
                    Issue.record("unexpected \(error)")
                    continue
                }
                #expect(named == field)
            }
        }
    }
}

extension UnigramTests {
    @Test func aByteOrderMarkPieceSurvivesReading() throws {
        // Foundation's JSON parser on Linux drops U+FEFF at the start of a string.
        let json =
            #"{"model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0], ["\#u{FEFF}", -1], ["x", -1]]}, "pre_tokenizer": {"type": "Metaspace", "prepend_scheme": "never"}}"#
        let tokenizer = try PieceTokenizer(tokenizerJSON: Data("\u{FEFF}".utf8) + Data(json.utf8))
        #expect(tokenizer.model.pieces[1] == "\u{FEFF}")
        #expect(tokenizer.encode("x\u{FEFF}") == [2, 1])
    }
}

extension UnigramTests {
    @Test func specialTokensMustAgreeWithTheVocabulary() throws {
        let json = String(decoding: try Self.trained(threads: 1).tokenizerJSON(), as: UTF8.self)
        let edited = json.replacingOccurrences(
            of: #""content" : "<|eos|>""#, with: #""content" : "<|end|>""#)
        #expect(edited != json)
        #expect(throws: TokenizerFileError.mismatchedSpecial("<|end|>", id: 2, vocab: "<|eos|>")) {
            try PieceTokenizer(tokenizerJSON: Data(edited.utf8))
        }
        let byteLevel = try ByteLevelTokenizer.train(
            lines: ["یہ کتاب ہے"], vocabularySize: 270, minimumFrequency: 1)
        let byteJSON = String(decoding: try byteLevel.tokenizerJSON(), as: UTF8.self)
            .replacingOccurrences(of: #""content" : "<|eos|>""#, with: #""content" : "<|end|>""#)
        #expect(throws: TokenizerFileError.mismatchedSpecial("<|end|>", id: 2, vocab: "<|eos|>")) {
            try ByteLevelTokenizer(tokenizerJSON: Data(byteJSON.utf8))
        }
    }
}
