import Foundation

/// The two small files `transformers` reads beside tokenizer.json, so that
/// `AutoTokenizer.from_pretrained(DIR)` finds the special tokens by role.
extension TextTokenizer {
    /// tokenizer_config.json: a `PreTrainedTokenizerFast` with the BOS, EOS, PAD and UNK tokens.
    public func tokenizerConfigJSON() throws -> Data {
        let specials = specialTokens.map(\.content)
        let config: [String: Any] = [
            "tokenizer_class": "PreTrainedTokenizerFast", "bos_token": specials[1],
            "eos_token": specials[2], "pad_token": specials[0], "unk_token": specials[3],
            "model_max_length": 1_000_000_000, "clean_up_tokenization_spaces": false,
        ]
        return try JSONSerialization.data(
            withJSONObject: config, options: [.sortedKeys, .prettyPrinted])
    }

    /// special_tokens_map.json: the same roles, and the chat-role tokens as additional ones.
    public func specialTokensMapJSON() throws -> Data {
        let specials = specialTokens.map(\.content)
        let map: [String: Any] = [
            "bos_token": specials[1], "eos_token": specials[2], "pad_token": specials[0],
            "unk_token": specials[3], "additional_special_tokens": Array(specials.dropFirst(4)),
        ]
        return try JSONSerialization.data(
            withJSONObject: map, options: [.sortedKeys, .prettyPrinted])
    }
}
