import Foundation

extension PieceTokenizer {
    /// The tokenizer as Hugging Face's tokenizer.json (see the type's documentation).
    public func tokenizerJSON() throws -> Data {
        let added: [[String: Any]] = specialTokens.map { special in
            [
                "id": special.id, "content": special.content, "single_word": false,
                "lstrip": false, "rstrip": false, "normalized": false, "special": true,
            ]
        }
        let metaspace: [String: Any] = [
            "type": "Metaspace", "replacement": String(MetaspaceSplitter.replacement),
            "prepend_scheme": splitter.prepend.rawValue, "split": splitter.splitsWords,
        ]
        let preTokenizer: [String: Any] =
            splitter.isolatesSymbols
            ? [
                "type": "Sequence",
                "pretokenizers": [
                    metaspace,
                    [
                        "type": "Split", "pattern": ["Regex": MetaspaceSplitter.symbolPattern],
                        "behavior": "Isolated", "invert": false,
                    ],
                ],
            ] : metaspace
        var decoders: [[String: Any]] = [
            [
                "type": "Replace", "pattern": ["String": String(MetaspaceSplitter.replacement)],
                "content": " ",
            ],
            ["type": "ByteFallback"], ["type": "Fuse"],
        ]
        if splitter.prepend != .never {
            decoders.append(["type": "Strip", "content": " ", "start": 1, "stop": 0])
        }
        let content = Dictionary(
            specialTokens.map { ($0.id, $0.content) }, uniquingKeysWith: { first, _ in first })
        let object: [String: Any] = [
            "version": "1.0", "truncation": NSNull(), "padding": NSNull(),
            "added_tokens": added,
            "normalizer": normalization.json,
            "pre_tokenizer": preTokenizer,
            "post_processor": template.json { content[$0] ?? "" },
            "decoder": ["type": "Sequence", "decoders": decoders],
            "model": [
                "type": "Unigram", "unk_id": model.unknownID, "byte_fallback": model.byteFallback,
                "vocab": zip(model.pieces, model.scores).map { [$0, $1] as [Any] },
            ] as [String: Any],
        ]
        return try JSONSerialization.data(
            withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
    }

    /// Reads a Unigram tokenizer.json, keeping its ids.
    ///
    /// Khudi's own, or one with a Metaspace pre-tokenizer (SentencePiece-converted, or trained by
    /// Hugging Face). Errors name the field that is missing or unsupported.
    public init(tokenizerJSON data: Data) throws(TokenizerFileError) {
        let root = try parseTokenizerJSON(data)
        guard let object = root["model"] as? [String: Any] else { throw .missingField("model") }
        guard object["type"] as? String == "Unigram" else {
            throw .unsupported("model.type", "\(object["type"] ?? "nothing") (expected Unigram)")
        }
        guard let vocabulary = object["vocab"] as? [[Any]] else {
            throw .missingField("model.vocab")
        }
        var pieces: [String] = []
        var scores: [Double] = []
        for (index, entry) in vocabulary.enumerated() {
            guard entry.count == 2, let piece = entry[0] as? String,
                let score = (entry[1] as? NSNumber)?.doubleValue
            else {
                throw .malformed("model.vocab[\(index)] is not [piece, score]")
            }
            pieces.append(piece)
            scores.append(score)
        }
        guard let unknownID = object["unk_id"] as? Int else {
            throw .unsupported("model.unk_id", "null (Khudi needs an unknown piece)")
        }
        guard pieces.indices.contains(unknownID) else {
            throw .malformed("model.unk_id \(unknownID) is outside model.vocab")
        }
        let model = UnigramModel(
            pieces: pieces, scores: scores, unknownID: unknownID,
            byteFallback: object["byte_fallback"] as? Bool ?? false)
        self.init(
            model: model, specialTokens: try SpecialToken.read(addedTokens: root["added_tokens"]),
            normalization: try UnicodeNormalization(json: root["normalizer"]),
            splitter: try Self.readSplitter(root["pre_tokenizer"]),
            template: try SpecialTokenTemplate(json: root["post_processor"]))
    }

    private static func readSplitter(_ json: Any?) throws(TokenizerFileError) -> MetaspaceSplitter {
        guard let object = json as? [String: Any] else { throw .missingField("pre_tokenizer") }
        if object["type"] as? String == "Sequence",
            let steps = object["pretokenizers"] as? [[String: Any]], steps.count == 2,
            steps[1]["type"] as? String == "Split"
        {
            let pattern = (steps[1]["pattern"] as? [String: Any])?["Regex"] as? String
            guard pattern == MetaspaceSplitter.symbolPattern,
                steps[1]["behavior"] as? String == "Isolated"
            else {
                throw .unsupported(
                    "pre_tokenizer.pretokenizers[1]", "a Split other than Khudi's symbol split")
            }
            var splitter = try readMetaspace(steps[0], field: "pre_tokenizer.pretokenizers[0]")
            splitter.isolatesSymbols = true
            return splitter
        }
        return try readMetaspace(object, field: "pre_tokenizer")
    }

    private static func readMetaspace(
        _ object: [String: Any], field: String
    ) throws(TokenizerFileError) -> MetaspaceSplitter {
        guard object["type"] as? String == "Metaspace" else {
            throw .unsupported(
                "\(field).type", "\(object["type"] ?? "nothing") (Unigram is read with Metaspace)")
        }
        guard object["replacement"] as? String ?? "\u{2581}" == "\u{2581}" else {
            throw .unsupported("\(field).replacement", "only ▁ (U+2581) is read")
        }
        let prepend: MetaspaceSplitter.Prepend
        if let scheme = object["prepend_scheme"] as? String {
            guard let known = MetaspaceSplitter.Prepend(rawValue: scheme) else {
                throw .unsupported("\(field).prepend_scheme", scheme)
            }
            prepend = known
        } else {
            prepend = object["add_prefix_space"] as? Bool ?? true ? .always : .never
        }
        return MetaspaceSplitter(
            prepend: prepend, splitsWords: object["split"] as? Bool ?? true,
            isolatesSymbols: false)
    }
}
