import Foundation

extension ByteLevelTokenizer {
    /// The tokenizer as Hugging Face's tokenizer.json.
    ///
    /// The pre-tokenizer is written as Sequence[Split(pattern, Isolated), ByteLevel(use_regex:
    /// false)], or, for GPT-2's own pattern, as ByteLevel(use_regex: true) with its
    /// `add_prefix_space`, which is how `tokenizers` spells that pipeline.
    public func tokenizerJSON() throws -> Data {
        let specialContent = Dictionary(
            model.specialTokens.map { ($0.id, $0.content) }, uniquingKeysWith: { first, _ in first }
        )
        let vocabulary = OrderedVocabulary(
            ids: model.tokens.indices.map {
                specialContent[$0] ?? ByteLevel.encode(model.tokens[$0])
            })
        let merges = model.merges.map {
            [ByteLevel.encode(model.tokens[$0.left]), ByteLevel.encode(model.tokens[$0.right])]
        }
        let added: [[String: Any]] = model.specialTokens.map { special in
            [
                "id": special.id, "content": special.content, "single_word": false,
                "lstrip": false, "rstrip": false, "normalized": false, "special": true,
            ]
        }
        let object: [String: Any] = [
            "version": "1.0",
            "truncation": NSNull(),
            "padding": NSNull(),
            "added_tokens": added,
            "normalizer": normalization.json,
            "pre_tokenizer": try preTokenizerJSON(),
            "post_processor": template.json { specialContent[$0] ?? "" },
            "decoder": Self.byteLevelJSON(useRegex: false, addPrefixSpace: false),
            "model": [
                "type": "BPE", "dropout": NSNull(), "unk_token": NSNull(),
                "continuing_subword_prefix": NSNull(),
                "end_of_word_suffix": NSNull(), "fuse_unk": false, "byte_fallback": false,
                "ignore_merges": model.ignoresMerges,
                "vocab": vocabulary, "merges": merges,
            ] as [String: Any],
        ]
        return JSONWriting.data(object)
    }

    private func preTokenizerJSON() throws(TokenizerFileError) -> [String: Any] {
        let pattern = preTokenization.pattern
        if pattern == RegexPreTokenizer.gpt2 {
            return Self.byteLevelJSON(useRegex: true, addPrefixSpace: addsPrefixSpace)
        }
        guard !addsPrefixSpace else {
            throw .unsupported(
                "pre_tokenizer",
                "add_prefix_space with a pattern other than GPT-2's has no tokenizer.json spelling")
        }
        return [
            "type": "Sequence",
            "pretokenizers": [
                [
                    "type": "Split", "pattern": ["Regex": pattern], "behavior": "Isolated",
                    "invert": false,
                ],
                Self.byteLevelJSON(useRegex: false, addPrefixSpace: false),
            ],
        ]
    }

    static func byteLevelJSON(useRegex: Bool, addPrefixSpace: Bool) -> [String: Any] {
        [
            "type": "ByteLevel", "add_prefix_space": addPrefixSpace, "trim_offsets": true,
            "use_regex": useRegex,
        ]
    }
}
