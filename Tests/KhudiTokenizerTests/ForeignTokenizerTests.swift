import Foundation
import KhudiTokenizer
import Testing

/// Byte-level tokenizer.json files laid out as GPT-2's and Llama 3's are (their own ids, byte
/// order, special tokens at the end, templates), written by hand so every id is checked.
@Suite struct ForeignTokenizerTests {
    /// A GPT-2-shaped file: bytes at id 255 − byte, four merges, `<|endoftext|>` after them.
    static func gpt2Like(
        ignoreMerges: Bool = false, addPrefixSpace: Bool = false, postProcessor: Any = NSNull(),
        extraVocabulary: [String: Int] = [:], preTokenizer: Any? = nil,
        addedToken: [String: Any] = [:]
    ) throws -> Data {
        var vocabulary: [String: Int] = [:]
        for byte in 0..<256 { vocabulary[String(ByteLevel.characters[byte])] = 255 - byte }
        vocabulary["ll"] = 256
        vocabulary["he"] = 257
        vocabulary["hell"] = 258
        vocabulary["\u{0120}w"] = 259  // Ġw
        vocabulary["<|endoftext|>"] = 260
        vocabulary.merge(extraVocabulary) { _, new in new }
        var special: [String: Any] = [
            "id": 260, "content": "<|endoftext|>", "single_word": false, "lstrip": false,
            "rstrip": false, "normalized": true, "special": true,
        ]
        special.merge(addedToken) { _, new in new }
        let object: [String: Any] = [
            "version": "1.0", "added_tokens": [special], "normalizer": NSNull(),
            "pre_tokenizer": preTokenizer
                ?? [
                    "type": "ByteLevel", "add_prefix_space": addPrefixSpace, "trim_offsets": true,
                    "use_regex": true,
                ],
            "post_processor": postProcessor,
            "decoder": ["type": "ByteLevel"],
            "model": [
                "type": "BPE", "dropout": NSNull(), "ignore_merges": ignoreMerges,
                "vocab": vocabulary, "merges": ["l l", "h e", "he ll", "\u{0120} w"],
            ] as [String: Any],
        ]
        return try JSONSerialization.data(withJSONObject: object)
    }

    static func id(_ character: Character) -> Int { 255 - Int(character.asciiValue ?? 0) }

    @Test func gpt2LayoutEncodesWithItsOwnIds() throws {
        let tokenizer = try ByteLevelTokenizer(tokenizerJSON: try Self.gpt2Like())
        let o = Self.id("o")
        #expect(
            tokenizer.encode("hello world<|endoftext|>")
                == [258, o, 259, o, Self.id("r"), Self.id("l"), Self.id("d"), 260])
        #expect(
            tokenizer.decode(tokenizer.encode("hello world<|endoftext|>"))
                == "hello world<|endoftext|>")
        #expect(tokenizer.endOfTextID == 260)
        // GPT-2's regex: a contraction is its own piece and a mark starts a new one.
        #expect(
            tokenizer.preTokenization.split("he's عِلم").map(String.init) == [
                "he", "'s", " ع", "ِ", "لم",
            ])
    }

    @Test func ignoreMergesTakesWholeTokens() throws {
        let extra = ["hello": 261]
        let merging = try ByteLevelTokenizer(
            tokenizerJSON: try Self.gpt2Like(extraVocabulary: extra))
        #expect(merging.encode("hello") == [258, Self.id("o")])
        let whole = try ByteLevelTokenizer(
            tokenizerJSON: try Self.gpt2Like(ignoreMerges: true, extraVocabulary: extra))
        #expect(whole.encode("hello") == [261])
    }

    @Test func prefixSpaceAndTemplateApply() throws {
        let template: [String: Any] = [
            "type": "TemplateProcessing",
            "single": [
                ["SpecialToken": ["id": "<|endoftext|>", "type_id": 0]],
                ["Sequence": ["id": "A", "type_id": 0]],
            ],
            "special_tokens": ["<|endoftext|>": ["id": "<|endoftext|>", "ids": [260]]],
        ]
        let tokenizer = try ByteLevelTokenizer(
            tokenizerJSON: try Self.gpt2Like(addPrefixSpace: true, postProcessor: template))
        #expect(
            tokenizer.encode("world") == [
                259, Self.id("o"), Self.id("r"), Self.id("l"), Self.id("d"),
            ])
        #expect(tokenizer.encode("wo", addingSpecialTokens: true) == [260, 259, Self.id("o")])
        #expect(tokenizer.template == SpecialTokenTemplate(prefix: [260]))
        // Written back and read again, the tokenizer encodes the same.
        let reread = try ByteLevelTokenizer(tokenizerJSON: try tokenizer.tokenizerJSON())
        #expect(reread.encode("hello world") == tokenizer.encode("hello world"))
        #expect(
            reread.encode("x", addingSpecialTokens: true)
                == tokenizer.encode("x", addingSpecialTokens: true))
    }

    @Test func aSplitRegexIsReadAsWritten() throws {
        let split: [String: Any] = [
            "type": "Sequence",
            "pretokenizers": [
                [
                    "type": "Split", "pattern": ["Regex": RegexPreTokenizer.cl100k],
                    "behavior": "Isolated", "invert": false,
                ],
                ["type": "ByteLevel", "add_prefix_space": false, "use_regex": false],
            ],
        ]
        let tokenizer = try ByteLevelTokenizer(
            tokenizerJSON: try Self.gpt2Like(preTokenizer: split))
        #expect(tokenizer.preTokenization.pattern == RegexPreTokenizer.cl100k)
        #expect(
            tokenizer.preTokenization.split("12345 HE'S").map(String.init) == [
                "123", "45", " HE", "'S",
            ])
        // Khudi's own pattern is recognised and served by the hand-written splitter.
        let khudi = PersoArabicPreTokenizer(maximumDigits: 1)
        #expect(PersoArabicPreTokenizer(pattern: khudi.pattern) == khudi)
        #expect(khudi.split("سال 2024").map(String.init) == ["سال", " 2", "0", "2", "4"])
    }

    static let refusals: [(String, Data)] = {
        func json(_ text: String) -> Data { Data(text.utf8) }
        let removed: [String: Any] = [
            "type": "Sequence",
            "pretokenizers": [
                [
                    "type": "Split", "pattern": ["Regex": "\\s+"], "behavior": "Removed",
                    "invert": false,
                ],
                ["type": "ByteLevel", "add_prefix_space": false, "use_regex": false],
            ],
        ]
        let metaspace: [String: Any] = ["type": "Metaspace", "replacement": "▁"]
        func file(
            preTokenizer: Any? = nil, addedToken: [String: Any] = [:],
            extraVocabulary: [String: Int] = [:], postProcessor: Any = NSNull()
        ) -> Data {
            (try? gpt2Like(
                postProcessor: postProcessor, extraVocabulary: extraVocabulary,
                preTokenizer: preTokenizer, addedToken: addedToken)) ?? Data()
        }
        func split(_ pattern: String, byteLevelRegex: Bool = false) -> [String: Any] {
            [
                "type": "Sequence",
                "pretokenizers": [
                    [
                        "type": "Split", "pattern": ["Regex": pattern], "behavior": "Isolated",
                        "invert": false,
                    ],
                    ["type": "ByteLevel", "add_prefix_space": false, "use_regex": byteLevelRegex],
                ],
            ]
        }
        /// The GPT-2-shaped file with one top-level or model field changed.
        func edited(_ change: (inout [String: Any]) -> Void) -> Data {
            guard
                var object = (try? JSONSerialization.jsonObject(with: file()))
                    as? [String: Any]
            else { return Data() }
            change(&object)
            return (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        }
        func model(_ key: String, _ value: Any) -> Data {
            edited { object in
                var model = object["model"] as? [String: Any] ?? [:]
                model[key] = value
                object["model"] = model
            }
        }
        return [
            ("pre_tokenizer.pretokenizers[0].pattern", file(preTokenizer: split("(unclosed"))),
            (
                "pre_tokenizer.pretokenizers[1]",
                file(preTokenizer: split("\\s+", byteLevelRegex: true))
            ),
            ("normalizer.type", edited { $0["normalizer"] = ["type": "Lowercase"] }),
            ("decoder.type", edited { $0["decoder"] = ["type": "WordPiece"] }),
            ("model.dropout", model("dropout", 0.1)),
            ("model.byte_fallback", model("byte_fallback", true)),
            ("model.continuing_subword_prefix", model("continuing_subword_prefix", "##")),
            ("pre_tokenizer.pretokenizers[0].behavior", file(preTokenizer: removed)),
            ("pre_tokenizer", file(preTokenizer: metaspace)),
            ("added_tokens[0].lstrip", file(addedToken: ["lstrip": true])),
            ("model.vocab", file(extraVocabulary: ["gap": 300])),
            ("post_processor.type", file(postProcessor: ["type": "RobertaProcessing"])),
        ]
    }()

    @Test(arguments: refusals)
    func unsupportedFieldsAreNamed(_ c: (String, Data)) {
        do {
            _ = try ByteLevelTokenizer(tokenizerJSON: c.1)
            Issue.record("accepted a tokenizer.json with an unsupported \(c.0)")
        } catch {
            guard case .unsupported(let field, _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(field == c.0)
        }
    }
}
