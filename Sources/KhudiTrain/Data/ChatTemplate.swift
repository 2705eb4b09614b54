/// How a conversation becomes text for training, and the same rule as a Jinja template for
/// `tokenizer_config.json`, so transformers' `apply_chat_template` renders what Khudi trained on.
///
/// Two templates:
/// - `khudi`: `<|role|>` and a newline before each message (Khudi tokenizers have `<|system|>`,
///   `<|user|>` and `<|assistant|>` as special tokens), a newline after it, and the tokenizer's
///   end-of-sequence token closing each assistant message.
/// - `chatml`: `<|im_start|>role\n … <|im_end|>\n` (Qwen2.5, SmolLM2 and others), where
///   `<|im_end|>` closes each message, the assistant's included.
/// Loss falls on each assistant message's content and the token that closes it, nothing else.
public struct ChatTemplate: Sendable, Equatable {
    public struct Message: Sendable, Equatable {
        public var role: String
        public var content: String

        public init(role: String, content: String) {
            self.role = role
            self.content = content
        }
    }

    public let name: String
    /// The message header, `{role}` standing for the role.
    let header: String
    /// What closes an assistant message (trained); `nil`: the tokenizer's EOS token.
    let responseEnd: String?
    /// What follows every message (untrained; for the assistant, after `responseEnd`).
    let trailer: String
    /// What closes other messages, before the trailer.
    let messageEnd: String
    /// The same rendering as a Jinja template (Hugging Face's `chat_template`).
    public let jinja: String

    public static let khudi = ChatTemplate(
        name: "khudi", header: "<|{role}|>\n", responseEnd: nil, trailer: "\n", messageEnd: "",
        jinja:
            "{% for message in messages %}{{ '<|' + message['role'] + '|>\\n' + message['content'] }}"
            + "{% if message['role'] == 'assistant' %}{{ eos_token }}{% endif %}{{ '\\n' }}"
            + "{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}")

    public static let chatml = ChatTemplate(
        name: "chatml", header: "<|im_start|>{role}\n", responseEnd: "<|im_end|>", trailer: "\n",
        messageEnd: "<|im_end|>",
        jinja:
            "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
            + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
    )

    public static let all = [khudi, chatml]

    /// The roles a conversation may use.
    public static let roles: Set<String> = ["system", "user", "assistant"]

    /// The conversation as text segments, each marked trained (assistant content and its
    /// closing token) or not; `endOfSequence` is the tokenizer's EOS token text.
    public func segments(
        _ messages: [Message], endOfSequence: String
    ) -> [(text: String, trained: Bool)] {
        var segments: [(String, Bool)] = []
        for message in messages {
            segments.append((header.replacingOccurrences(of: "{role}", with: message.role), false))
            if message.role == "assistant" {
                segments.append((message.content + (responseEnd ?? endOfSequence), true))
                segments.append((trailer, false))
            } else {
                segments.append((message.content + messageEnd + trailer, false))
            }
        }
        return segments
    }

    /// The conversation as one string (what `apply_chat_template` gives for the Jinja form).
    public func render(_ messages: [Message], endOfSequence: String) -> String {
        segments(messages, endOfSequence: endOfSequence).map(\.text).joined()
    }
}
