import Foundation

extension ByteLevelTokenizer {
    /// Reads a byte-level BPE tokenizer.json (Khudi's own, or any with the same components).
    ///
    /// Errors name the field that is missing or unsupported.
    public init(tokenizerJSON data: Data) throws(TokenizerFileError) {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw .malformed("not a JSON object")
        }
        guard let object = root["model"] as? [String: Any] else { throw .missingField("model") }
        guard object["type"] as? String == "BPE" else {
            throw .unsupported(
                "model.type", "\(object["type"] ?? "nothing") (this reader handles byte-level BPE)")
        }
        let splits =
            ((root["pre_tokenizer"] as? [String: Any])?["pretokenizers"] as? [[String: Any]])
        let regex = (splits?.first?["pattern"] as? [String: Any])?["Regex"] as? String
        guard regex == PersoArabicPreTokenizer.pattern,
            splits?.last?["type"] as? String == "ByteLevel"
        else {
            throw .unsupported(
                "pre_tokenizer",
                "this reader handles Khudi's own Perso-Arabic split followed by ByteLevel; "
                    + "other pre-tokenizers (GPT-2, Llama 3, a tokenizer from an older Khudi) "
                    + "would encode differently here")
        }
        guard let vocabulary = object["vocab"] as? [String: Int] else {
            throw .missingField("model.vocab")
        }
        guard let rawMerges = object["merges"] as? [Any] else {
            throw .missingField("model.merges")
        }
        let specials = ((root["added_tokens"] as? [[String: Any]]) ?? [])
            .compactMap { token -> (Int, String)? in
                guard let id = token["id"] as? Int, let content = token["content"] as? String else {
                    return nil
                }
                return (id, content)
            }.sorted { $0.0 < $1.0 }
        guard specials.map(\.0) == Array(0..<specials.count) else {
            throw .unsupported(
                "added_tokens", "special tokens must hold ids 0…\(specials.count - 1)")
        }
        var idOf: [[UInt8]: Int] = [:]
        for (token, id) in vocabulary where id >= specials.count {
            guard let bytes = ByteLevel.decode(token) else {
                throw .unsupported("model.vocab", "token \(token) is not in GPT-2's byte alphabet")
            }
            idOf[bytes] = id
        }
        var merges: [BytePairEncoding.Merge] = []
        for (rank, entry) in rawMerges.enumerated() {
            let parts: [String]
            if let pair = entry as? [String], pair.count == 2 {
                parts = pair
            } else if let text = entry as? String,
                case let split = text.split(separator: " ").map(String.init), split.count == 2
            {
                parts = split
            } else {
                throw .malformed("model.merges[\(rank)] is neither a pair nor \"a b\"")
            }
            guard let left = ByteLevel.decode(parts[0]).flatMap({ idOf[$0] }),
                let right = ByteLevel.decode(parts[1]).flatMap({ idOf[$0] })
            else {
                throw .malformed("model.merges[\(rank)]: \(parts) not in model.vocab")
            }
            merges.append(BytePairEncoding.Merge(left: left, right: right))
        }
        let encoding = BytePairEncoding(specialTokens: specials.map(\.1), merges: merges)
        // The ids must be the layout this model derives (specials, bytes, merges in order).
        for (id, bytes) in encoding.tokens.enumerated() where id >= specials.count {
            guard idOf[bytes] == id else {
                throw .unsupported(
                    "model.vocab",
                    "ids are not laid out as specials, 256 bytes, then merges in rank order")
            }
        }
        self.init(model: encoding)
    }
}

/// A tokenizer.json that cannot be used, naming the field.
public enum TokenizerFileError: Error, Equatable, CustomStringConvertible {
    case malformed(String)
    case missingField(String)
    case unsupported(String, String)

    public var description: String {
        switch self {
        case .malformed(let detail): "tokenizer.json: \(detail)"
        case .missingField(let field): "tokenizer.json: missing field '\(field)'"
        case .unsupported(let field, let detail):
            "tokenizer.json: unsupported '\(field)': \(detail)"
        }
    }
}
