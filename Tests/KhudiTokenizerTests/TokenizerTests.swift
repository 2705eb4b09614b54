import Foundation
import Testing
import _KhudiTestSupport

@testable import KhudiTokenizer

@Suite struct TokenizerTests {
    @Test func byteMapFollowsGPT2() {
        #expect(ByteLevel.characters[0x21] == "!")
        #expect(ByteLevel.characters[0x20] == "\u{0120}")  // Ġ
        #expect(ByteLevel.characters[0x0A] == "\u{010A}")  // Ċ
        #expect(ByteLevel.characters[0xAD] == "\u{0143}")  // the 68th remapped byte
        #expect(Set(ByteLevel.characters).count == 256)
        #expect(ByteLevel.decode(ByteLevel.encode(Array("پاکستان".utf8))) == Array("پاکستان".utf8))
    }

    static let splits: [(String, [String])] = [
        ("یہ کتاب ہے۔", ["یہ", " کتاب", " ہے", "۔"]),
        ("عِلْم خوش\u{200C}نما", ["عِلْم", " خوش\u{200C}نما"]),
        ("سال 2024567 میں", ["سال", " 202", "456", "7", " میں"]),
        ("دو  جگہ", ["دو", " ", " جگہ"]),
        ("سطر\nدوسری", ["سطر", "\n", "دوسری"]),
        ("کیا؟! ہاں", ["کیا", "؟!", " ہاں"]),
        ("end  ", ["end", "  "]),
        ("AIسے Pakistanمیں", ["AI", "سے", " Pakistan", "میں"]),
        ("e\u{301}کتاب", ["e\u{301}", "کتاب"]),
        ("خوش\u{200C}abc", ["خوش\u{200C}", "abc"]),
        ("abc\u{200C}def", ["abc", "\u{200C}", "def"]),
        ("Ωmega Ñandú", ["Ω", "mega", " Ñandú"]),
    ]

    @Test(arguments: splits)
    func preTokenizerSplits(_ c: (String, [String])) {
        #expect(PersoArabicPreTokenizer().split(c.0).map(String.init) == c.1)
        // The byte path counting uses (its own UTF-8 decoding) gives the same pieces.
        var pieces: [[UInt8]] = []
        PersoArabicPreTokenizer().forEachPiece(c.0) { pieces.append(Array($0)) }
        #expect(pieces == c.1.map { Array($0.utf8) })
    }

    @Test func bytePiecesMatchSplitOnRandomUnicode() {
        var generator = TestRandom(seed: 21)
        // Every UTF-8 length: ASCII, Arabic, Devanagari and CJK, emoji; spaces and digits.
        let pool: [ClosedRange<UInt32>] = [
            0x20...0x7E, 0x600...0x6FF, 0x900...0x97F, 0x4E00...0x4E20, 0x1F600...0x1F64F,
            0x200C...0x200D,
        ]
        for _ in 0..<200 {
            let text = String(
                String.UnicodeScalarView(
                    (0..<Int.random(in: 0...40, using: &generator)).compactMap { _ in
                        Unicode.Scalar(
                            UInt32.random(
                                in: pool.randomElement(using: &generator)!, using: &generator))
                    }))
            for splitter in [PersoArabicPreTokenizer(), PersoArabicPreTokenizer(maximumDigits: 1)] {
                var pieces: [[UInt8]] = []
                splitter.forEachPiece(text) { pieces.append(Array($0)) }
                #expect(
                    pieces == splitter.split(text).map { Array($0.utf8) },
                    "\(text.debugDescription)")
            }
        }
    }

    @Test func trainingMergesTheMostFrequentPairFirst() throws {
        // "aa" occurs most, then "aaa" can form from "aa"+"a".
        let tokenizer = try ByteLevelTokenizer.train(
            lines: ["aa aa aa aaa", "aa aaa"], vocabularySize: 7 + 256 + 3, minimumFrequency: 1)
        let merges = tokenizer.model.merges.map {
            (tokenizer.model.tokens[$0.left], tokenizer.model.tokens[$0.right])
        }
        #expect(merges.first.map { [$0.0, $0.1] } == [Array("a".utf8), Array("a".utf8)])
        #expect(tokenizer.model.vocabularySize <= 7 + 256 + 3)
    }

    @Test func encodingRoundTripsRandomUnicode() throws {
        let tokenizer = try ByteLevelTokenizer.train(
            lines: ["یہ ایک کتاب ہے۔ پاکستان زندہ باد", "hello world"], vocabularySize: 300,
            minimumFrequency: 1)
        var random = TestRandom(seed: 3)
        let pool: [Unicode.Scalar] = [
            "ا", "ب", "ی", "\u{0650}", "\u{200C}", " ", "\n", "a", "Z", "1", "۔", "\u{1F600}",
            "\u{200D}", "\u{FB50}", "\t",
        ]
        for _ in 0..<300 {
            var text = String.UnicodeScalarView()
            for _ in 0..<Int(random.next() % 20) {
                text.append(pool[Int(random.next() % UInt64(pool.count))])
            }
            let string = String(text)
            #expect(
                tokenizer.decode(tokenizer.encode(string))
                    == string.precomposedStringWithCanonicalMapping)
        }
    }

    @Test func trainingIsDeterministic() throws {
        let lines = ["یہ ایک کتاب ہے۔", "یہ دوسری کتاب ہے۔", "کتاب اچھی ہے"]
        let first = try ByteLevelTokenizer.train(
            lines: lines, vocabularySize: 290, minimumFrequency: 1)
        let second = try ByteLevelTokenizer.train(
            lines: lines.reversed(), vocabularySize: 290, minimumFrequency: 1)
        #expect(first.model.merges == second.model.merges)
        #expect(try first.tokenizerJSON() == second.tokenizerJSON())
    }

    @Test(arguments: [2, 3, 8])
    func parallelCountingMatchesSerialCounting(threads: Int) {
        let words = ["کتاب", "سندھ", "پښتو", "hello", "۔", "123", "ہے"]
        let texts = (0..<200).map { i in
            (0..<(i % 9 + 1)).map { words[($0 * 7 + i) % words.count] }.joined(separator: " ")
        }
        var serial = PreTokenCounter()
        for text in texts { serial.add(text) }
        var parallel = PreTokenCounter()
        parallel.add(contentsOf: Array(texts.prefix(50)), threads: threads)
        parallel.add(contentsOf: Array(texts.dropFirst(50)), threads: threads)
        #expect(parallel.counts == serial.counts)
        #expect(parallel.bytes == serial.bytes)
    }

    @Test func cachedEncodingMatchesUncached() throws {
        let lines = ["یہ ایک کتاب ہے۔", "کتاب اچھی ہے، hello کتاب", "<|eos|>کتاب<|bos|> 12345"]
        let tokenizer = try ByteLevelTokenizer.train(
            lines: lines, vocabularySize: 300, minimumFrequency: 1)
        for capacity in [1, 3, 1_000] {
            var cache = PieceCache(capacity: capacity)
            for line in lines + lines {
                #expect(tokenizer.encode(line, cache: &cache) == tokenizer.encode(line))
            }
        }
    }

    @Test func maximumTokenLengthBoundsEveryMerge() throws {
        let lines = Array(repeating: "پاکستان زندہ باد، پاکستان", count: 5)
        let free = try ByteLevelTokenizer.train(
            lines: lines, vocabularySize: 300, minimumFrequency: 1)
        #expect(free.model.tokens.contains { $0.count > 5 })
        let bounded = try ByteLevelTokenizer.train(
            lines: lines, vocabularySize: 300, minimumFrequency: 1, maximumTokenLength: 5)
        let merged = bounded.model.merges.map {
            bounded.model.tokens[$0.left] + bounded.model.tokens[$0.right]
        }
        #expect(!merged.isEmpty)
        #expect(merged.allSatisfy { $0.count <= 5 })
        #expect(merged.contains { $0.count == 5 })
        #expect(bounded.decode(bounded.encode(lines[0])) == lines[0])
    }

    @Test func transformersFilesNameTheSpecialTokensByRole() throws {
        let tokenizer = try ByteLevelTokenizer.train(
            lines: ["یہ کتاب ہے"], vocabularySize: 270, minimumFrequency: 1)
        let config = try #require(
            try JSONSerialization.jsonObject(with: tokenizer.tokenizerConfigJSON())
                as? [String: Any])
        #expect(config["tokenizer_class"] as? String == "PreTrainedTokenizerFast")
        #expect(config["bos_token"] as? String == "<|bos|>")
        #expect(config["eos_token"] as? String == "<|eos|>")
        #expect(config["pad_token"] as? String == "<|pad|>")
        #expect(config["unk_token"] as? String == "<unk>")
        let map = try #require(
            try JSONSerialization.jsonObject(with: tokenizer.specialTokensMapJSON())
                as? [String: Any])
        #expect(map["eos_token"] as? String == "<|eos|>")
        #expect(
            map["additional_special_tokens"] as? [String]
                == ["<|system|>", "<|user|>", "<|assistant|>"])
    }

    @Test func tokenizerJSONRoundTrips() throws {
        let tokenizer = try ByteLevelTokenizer.train(
            lines: ["یہ ایک کتاب ہے۔ hello hello"], vocabularySize: 280, minimumFrequency: 1)
        let reread = try ByteLevelTokenizer(tokenizerJSON: try tokenizer.tokenizerJSON())
        #expect(reread.model.merges == tokenizer.model.merges)
        #expect(reread.encode("کتاب hello <|eos|>") == tokenizer.encode("کتاب hello <|eos|>"))
        #expect(tokenizer.encode("<|eos|>") == [2])
    }

    @Test func badInputIsNamed() {
        #expect(throws: TokenizerError.vocabularyTooSmall(requested: 100, minimum: 263)) {
            try ByteLevelTokenizer.train(lines: ["x"], vocabularySize: 100)
        }
        #expect(throws: TokenizerError.emptyCorpus) {
            try ByteLevelTokenizer.train(lines: [String](), vocabularySize: 300)
        }
        #expect(throws: TokenizerFileError.missingField("model")) {
            try ByteLevelTokenizer(tokenizerJSON: Data("{}".utf8))
        }
        #expect(
            throws: TokenizerFileError.unsupported(
                "model.type", "Unigram (this reader handles byte-level BPE)")
        ) {
            try ByteLevelTokenizer(tokenizerJSON: Data(#"{"model": {"type": "Unigram"}}"#.utf8))
        }
        #expect(throws: TokenizerFileError.malformed("not a JSON object")) {
            try ByteLevelTokenizer(tokenizerJSON: Data("[1".utf8))
        }
    }
}

extension TokenizerTests {
    @Test func metricsCountWordsTokensAndPremium() throws {
        // With no merges every byte is a token: "ab cd" is 5 bytes = 5 tokens over 2 words.
        let bytesOnly = try ByteLevelTokenizer.train(lines: ["x"], vocabularySize: 7 + 256)
        let m = TokenizerMetrics.measure(bytesOnly, on: ["ab cd", "é"])
        #expect(m.words == 3)
        #expect(m.tokens == 5 + 2)  // é is two UTF-8 bytes
        #expect(m.continuedWords == 3)
        #expect(m.bytesPerToken == 1)
        #expect(m.roundTripsExactly)
        let premiums = TokenizerMetrics.premiums(
            bytesOnly, parallel: ["eng_Latn": ["ab"], "urd_Arab": ["اب"]])
        #expect(premiums["urd_Arab"] == 2)  // two 2-byte letters against two 1-byte letters
    }
}

extension TokenizerTests {
    @Test func mixtureWeightsMultiplyEachLanguagesCounts() {
        let urdu = ["یہ کتاب ہے", "یہ قلم ہے"]
        let sindhi = ["هي ڪتاب آهي"]
        var plain = PreTokenCounter()
        for text in urdu + sindhi { plain.add(text) }
        var mixture = MixtureCounter(PreTokenCounter())
        mixture.add(contentsOf: urdu, group: .init(language: "urd", weight: 1), threads: 2)
        mixture.add(contentsOf: sindhi, group: .init(language: "snd", weight: 1), threads: 1)
        #expect(mixture.combined().counts == plain.counts)
        var weighted = MixtureCounter(PreTokenCounter())
        weighted.add(contentsOf: urdu, group: .init(language: "urd", weight: 0), threads: 1)
        weighted.add(contentsOf: sindhi, group: .init(language: "snd", weight: 3), threads: 1)
        let combined = weighted.combined()
        #expect(combined.counts[Array(" ڪتاب".utf8)] == 3)
        #expect(combined.counts[Array(" کتاب".utf8)] == nil)  // weight 0: Urdu left out
        #expect(combined.bytes == plain.bytes)
        let shares = weighted.shares()
        #expect(shares.map(\.group.language) == ["snd", "urd"])
        #expect(shares[0].weightedShare == 1)
        #expect(abs(shares.map(\.share).reduce(0, +) - 1) < 1e-12)
    }
}

extension TokenizerTests {
    /// The NFC shortcut never skips text that NFC would change: checked on every scalar it
    /// accepts, alone and after a letter it could compose with.
    @Test func nfcShortcutOnlyAcceptsStableText() {
        var accepted = 0
        for value in UInt32(0)...0x1FAFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let text = String(scalar)
            guard UnicodeNormalization.isStableUnderNFC(text) else { continue }
            accepted += 1
            for base in ["a", "ا", "و", "ی", "ہ", "e"] {
                let pair = base + text
                #expect(
                    Array(pair.precomposedStringWithCanonicalMapping.unicodeScalars)
                        == Array(pair.unicodeScalars), "U+\(String(value, radix: 16))")
            }
        }
        #expect(accepted > 3000)
        // A lone mark after a letter is stable; two marks, or a mark that composes, are not.
        for mark in [0x64B, 0x650, 0x652, 0x656, 0x65F, 0x670, 0x6D6, 0x6ED] as [UInt32] {
            let text = "ب" + String(Unicode.Scalar(mark)!) + "ا"
            #expect(UnicodeNormalization.isStableUnderNFC(text))
            #expect(
                text.precomposedStringWithCanonicalMapping.unicodeScalars.elementsEqual(
                    text.unicodeScalars))
        }
        #expect(!UnicodeNormalization.isStableUnderNFC("ب\u{0651}\u{064E}"))
        #expect(!UnicodeNormalization.isStableUnderNFC("\u{064E}ب"))
        #expect(!UnicodeNormalization.isStableUnderNFC("آ\u{0653}"))
        #expect(UnicodeNormalization.nfc.apply("ا\u{0653}") == "آ")
    }
}

extension TokenizerTests {
    /// tokenizer.json is written by Khudi's own writer: strings escaped as JSON requires, the
    /// vocabulary in id order, and canonically equivalent pieces kept as separate keys.
    @Test func jsonWriterEscapesAndKeepsEveryPiece() throws {
        let tricky = "q\"b\\s\u{01}\nآ"
        let data = JSONWriting.data(
            [
                "b": [1, 2.5, true, NSNull()] as [Any], "a": tricky,
                "vocab": OrderedVocabulary(ids: ["آ", "ا\u{0653}", "x", "x"]),
            ] as [String: Any])
        let parsed = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        #expect(parsed?["a"] as? String == tricky)
        #expect((parsed?["b"] as? [Any])?.count == 4)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.firstRange(of: "\"a\"")!.lowerBound < text.firstRange(of: "\"b\"")!.lowerBound)
        let pairs = try VocabularyScanner.pieces(
            in: Data(#"{"model": "#.utf8) + data + Data("}".utf8))
        #expect(pairs?.map(\.id) == [0, 1, 2])
        #expect(
            pairs?.map { String(decoding: $0.piece, as: UTF8.self) } == ["آ", "ا\u{0653}", "x"])
    }
}
