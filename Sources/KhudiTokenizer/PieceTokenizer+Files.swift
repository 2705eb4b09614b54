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
        let (normalizer, preTokenizer) = normalizerAndPreTokenizerJSON()
        let object: [String: Any] = [
            "version": "1.0", "truncation": NSNull(), "padding": NSNull(),
            "added_tokens": added,
            "normalizer": normalizer,
            "pre_tokenizer": preTokenizer,
            "post_processor": template.json { content[$0] ?? "" },
            "decoder": ["type": "Sequence", "decoders": decoders],
            "model": modelJSON(),
        ]
        return JSONWriting.data(object)
    }

    private func modelJSON() -> [String: Any] {
        switch model {
        case .unigram(let unigram):
            return [
                "type": "Unigram", "unk_id": unigram.unknownID,
                "byte_fallback": unigram.byteFallback,
                "vocab": zip(unigram.pieces, unigram.scores).map { [$0, $1] as [Any] },
            ]
        case .bpe(let bpe):
            return [
                "type": "BPE", "dropout": NSNull(),
                "unk_token": bpe.unknownID.map { bpe.pieces[$0] as Any } ?? NSNull(),
                "continuing_subword_prefix": NSNull(), "end_of_word_suffix": NSNull(),
                "fuse_unk": bpe.fuseUnknown, "byte_fallback": bpe.byteFallback,
                "ignore_merges": false,
                "vocab": OrderedVocabulary(ids: bpe.pieces),
                "merges": bpe.merges.map { [bpe.pieces[$0.left], bpe.pieces[$0.right]] },
            ]
        }
    }

    /// Metaspace as a pre-tokenizer, or (for `unconditionally`) as Llama 2's Prepend and Replace
    /// normalizers with no pre-tokenizer.
    private func normalizerAndPreTokenizerJSON() -> (Any, Any) {
        let replacement = String(MetaspaceSplitter.replacement)
        if splitter.prepend == .unconditionally {
            var steps: [Any] = normalization == .none ? [] : [normalization.json]
            steps += [
                ["type": "Prepend", "prepend": replacement],
                ["type": "Replace", "pattern": ["String": " "], "content": replacement],
            ]
            return (["type": "Sequence", "normalizers": steps], NSNull())
        }
        let metaspace: [String: Any] = [
            "type": "Metaspace", "replacement": replacement,
            "prepend_scheme": splitter.prepend.rawValue, "split": splitter.splitsWords,
        ]
        guard splitter.isolatesSymbols else { return (normalization.json, metaspace) }
        let split: [String: Any] = [
            "type": "Split", "pattern": ["Regex": MetaspaceSplitter.symbolPattern],
            "behavior": "Isolated", "invert": false,
        ]
        return (normalization.json, ["type": "Sequence", "pretokenizers": [metaspace, split]])
    }

    /// Reads a SentencePiece-style tokenizer.json, keeping its ids.
    ///
    /// Unigram, or BPE with `byte_fallback` or a Metaspace split (Llama 2 and Mistral style,
    /// including Llama 2's Prepend and Replace normalizers); Khudi's own, converted from
    /// SentencePiece, or trained by Hugging Face. Errors name the field that is missing or
    /// unsupported.
    public init(tokenizerJSON data: Data) throws(TokenizerFileError) {
        try self.init(root: try parseTokenizerJSON(data), data: data)
    }

    /// `init(tokenizerJSON:)` from the already parsed file (`data` is scanned again for the
    /// vocabulary of a BPE model, whose keys must be kept byte for byte).
    init(root: [String: Any], data: Data) throws(TokenizerFileError) {
        guard let object = root["model"] as? [String: Any] else { throw .missingField("model") }
        let specials = try SpecialToken.read(addedTokens: root["added_tokens"])
        let model: PieceModel
        switch object["type"] as? String {
        case "Unigram": model = .unigram(try Self.readUnigram(object))
        case "BPE":
            model = .bpe(
                try Self.readCharacterBPE(
                    object, vocabulary: try VocabularyScanner.pieces(in: data), specials: specials))
        default:
            throw .unsupported(
                "model.type", "\(object["type"] ?? "nothing") (expected Unigram or BPE)")
        }
        let pieces = model.pieces
        for special in specials where special.id < pieces.count {
            guard pieces[special.id] == special.content else {
                throw .mismatchedSpecial(special.content, id: special.id, vocab: pieces[special.id])
            }
        }
        let (normalization, prependsInNormalizer) = try Self.readNormalizer(root["normalizer"])
        let splitter: MetaspaceSplitter
        if prependsInNormalizer {
            guard root["pre_tokenizer"] == nil || root["pre_tokenizer"] is NSNull else {
                throw .unsupported(
                    "pre_tokenizer", "a pre-tokenizer after Prepend and Replace normalizers")
            }
            splitter = MetaspaceSplitter(
                prepend: .unconditionally, splitsWords: false, isolatesSymbols: false)
        } else {
            splitter = try Self.readSplitter(root["pre_tokenizer"])
        }
        self.init(
            model: model, specialTokens: specials, normalization: normalization,
            splitter: splitter, template: try SpecialTokenTemplate(json: root["post_processor"]))
    }

    private static func readUnigram(
        _ object: [String: Any]
    ) throws(TokenizerFileError) -> UnigramModel {
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
        return UnigramModel(
            pieces: pieces, scores: scores, unknownID: unknownID,
            byteFallback: object["byte_fallback"] as? Bool ?? false)
    }

    private static func readCharacterBPE(
        _ object: [String: Any], vocabulary pairs: [(piece: [UInt8], id: Int)]?,
        specials: [SpecialToken]
    ) throws(TokenizerFileError) -> CharacterBPE {
        for field in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let affix = object[field] as? String, !affix.isEmpty {
                throw .unsupported("model.\(field)", "'\(affix)' (Khudi reads BPE without it)")
            }
        }
        if let dropout = object["dropout"] as? Double, dropout > 0 {
            throw .unsupported("model.dropout", "\(dropout) (encoding would be random)")
        }
        guard let pairs else { throw .missingField("model.vocab") }
        guard let rawMerges = object["merges"] as? [Any] else {
            throw .missingField("model.merges")
        }
        let size = max(pairs.map(\.id).max() ?? -1, specials.map(\.id).max() ?? -1) + 1
        var pieces = [String?](repeating: nil, count: size)
        var vocabulary: [[UInt8]: Int] = [:]
        for (piece, id) in pairs {
            guard id >= 0 else { throw .malformed("model.vocab: a piece has id \(id)") }
            pieces[id] = pieces[id] ?? String(decoding: piece, as: UTF8.self)
            vocabulary[piece] = vocabulary[piece] ?? id
        }
        for special in specials where pieces[special.id] == nil {
            pieces[special.id] = special.content
        }
        if let hole = pieces.firstIndex(where: { $0 == nil }) {
            throw .unsupported(
                "model.vocab", "id \(hole) has no token (ids must run 0…\(size - 1))")
        }
        var merges: [BytePairEncoding.Merge] = []
        var mergeIDs: [Int] = []
        for (rank, entry) in rawMerges.enumerated() {
            let parts = try mergePair(entry, rank: rank)
            let (leftBytes, rightBytes) = (Array(parts[0].utf8), Array(parts[1].utf8))
            guard let left = vocabulary[leftBytes], let right = vocabulary[rightBytes],
                let made = vocabulary[leftBytes + rightBytes]
            else {
                throw .malformed("model.merges[\(rank)]: \(parts) or their join not in model.vocab")
            }
            merges.append(.init(left: left, right: right))
            mergeIDs.append(made)
        }
        let unknownID = (object["unk_token"] as? String).flatMap { vocabulary[Array($0.utf8)] }
        return CharacterBPE(
            pieces: pieces.compactMap { $0 }, specialTokens: specials, merges: merges,
            mergeIDs: mergeIDs, unknownID: unknownID,
            byteFallback: object["byte_fallback"] as? Bool ?? false,
            fuseUnknown: object["fuse_unk"] as? Bool ?? false)
    }

    /// The Unicode normalization, and whether Llama 2's Prepend("▁") and Replace(" ", "▁")
    /// normalizers are there.
    private static func readNormalizer(
        _ json: Any?
    ) throws(TokenizerFileError) -> (UnicodeNormalization, Bool) {
        guard let object = json as? [String: Any], object["type"] as? String == "Sequence",
            let steps = object["normalizers"] as? [[String: Any]]
        else {
            return (try UnicodeNormalization(json: json), false)
        }
        let replacement = String(MetaspaceSplitter.replacement)
        let prepends = steps.contains {
            $0["type"] as? String == "Prepend" && $0["prepend"] as? String == replacement
        }
        let replaces = steps.contains {
            $0["type"] as? String == "Replace"
                && ($0["pattern"] as? [String: Any])?["String"] as? String == " "
                && $0["content"] as? String == replacement
        }
        let rest = steps.filter { !["Prepend", "Replace"].contains($0["type"] as? String ?? "") }
        guard prepends == replaces, rest.count + (prepends ? 2 : 0) == steps.count,
            rest.count <= 1
        else {
            throw .unsupported(
                "normalizer",
                "a Sequence Khudi cannot follow (it reads one Unicode form, and Prepend(▁) with Replace(' ', ▁))"
            )
        }
        return (try UnicodeNormalization(json: rest.first), prepends)
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
                "\(field).type", "\(object["type"] ?? "nothing") (Khudi reads Metaspace here)")
        }
        guard object["replacement"] as? String ?? "\u{2581}" == "\u{2581}" else {
            throw .unsupported("\(field).replacement", "only ▁ (U+2581) is read")
        }
        let prepend: MetaspaceSplitter.Prepend
        if let scheme = object["prepend_scheme"] as? String {
            guard let known = MetaspaceSplitter.Prepend(rawValue: scheme), known != .unconditionally
            else {
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
