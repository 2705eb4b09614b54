import Foundation
import KhudiTokenizer

/// Instruction data from JSONL, one conversation per line, rendered through a `ChatTemplate`
/// and tokenized; loss falls only on the responses (and the token closing each).
///
/// A line is either `{"instruction": …, "input": …, "output": …}` (input and a `system` field
/// optional; the user message is the instruction, then a blank line and the input) or
/// `{"messages": [{"role": "system"|"user"|"assistant", "content": …}, …]}` with at least one
/// assistant message. Each conversation is one sequence: cut to L + 1 tokens (counted in
/// `truncated`) and padded, the padding carrying no loss.
public final class InstructionDataset: TrainingData, @unchecked Sendable {
    public let sequenceLength: Int
    public let vocabularySize: Int
    public let source: String
    /// Conversations longer than a sequence (cut at the end).
    public private(set) var truncated = 0
    let examples: [(tokens: [Int32], trained: [Bool])]
    let padding: Int32

    public var sequenceCount: Int { examples.count }
    /// One conversation per sequence (padding after it carries no loss).
    public var documentSeparator: Int32? { nil }

    /// Reads `paths`, tokenizing with `tokenizer` through `template`.
    public init(
        paths: [String], tokenizer: any TextTokenizer, template: ChatTemplate,
        sequenceLength: Int
    ) throws(TrainingError) {
        guard let eos = tokenizer.endOfTextID else {
            throw .configuration(
                field: "model.tokenizer", reason: "the tokenizer has no end-of-sequence token")
        }
        let eosText = tokenizer.specialTokens.first { $0.id == eos }?.content ?? ""
        var examples: [(tokens: [Int32], trained: [Bool])] = []
        var truncated = 0
        var cache = PieceCache(capacity: 1 << 12)
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw .data(path: path, reason: "cannot be read")
            }
            for (offset, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() {
                let text = String(decoding: line, as: UTF8.self)
                guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
                let messages = try Self.messages(text, path: path, line: offset + 1)
                var tokens: [Int32] = []
                var trained: [Bool] = []
                for segment in template.segments(messages, endOfSequence: eosText) {
                    let ids = tokenizer.encode(segment.text, cache: &cache)
                    tokens += ids.map(Int32.init)
                    trained += [Bool](repeating: segment.trained, count: ids.count)
                }
                if tokens.count > sequenceLength + 1 {
                    truncated += 1
                    tokens.removeLast(tokens.count - sequenceLength - 1)
                    trained.removeLast(trained.count - sequenceLength - 1)
                }
                examples.append((tokens, trained))
            }
        }
        guard !examples.isEmpty else {
            throw .data(path: paths.joined(separator: ", "), reason: "no conversations")
        }
        self.examples = examples
        self.truncated = truncated
        self.sequenceLength = sequenceLength
        vocabularySize = tokenizer.vocabularySize
        source = paths.joined(separator: ", ")
        padding = Int32(eos)
    }

    /// The messages of one JSONL line, or an error naming the file and line.
    static func messages(
        _ text: String, path: String, line: Int
    ) throws(TrainingError) -> [ChatTemplate.Message] {
        func bad(_ reason: String) -> TrainingError {
            .data(path: "\(path):\(line)", reason: reason)
        }
        guard
            let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8)))
                as? [String: Any]
        else { throw bad("not a JSON object") }
        var messages: [ChatTemplate.Message] = []
        if let list = object["messages"] {
            guard let list = list as? [[String: Any]] else {
                throw bad("'messages' must be a list of {role, content} objects")
            }
            for (index, entry) in list.enumerated() {
                guard let role = entry["role"] as? String, ChatTemplate.roles.contains(role) else {
                    throw bad(
                        "message \(index + 1): role must be one of \(ChatTemplate.roles.sorted().joined(separator: ", "))"
                    )
                }
                guard let content = entry["content"] as? String else {
                    throw bad("message \(index + 1): 'content' must be a string")
                }
                messages.append(.init(role: role, content: content))
            }
        } else {
            guard let instruction = object["instruction"] as? String,
                let output = object["output"] as? String
            else {
                throw bad("expected 'messages', or 'instruction' and 'output' strings")
            }
            if let system = object["system"] as? String, !system.isEmpty {
                messages.append(.init(role: "system", content: system))
            }
            let input = (object["input"] as? String) ?? ""
            messages.append(
                .init(
                    role: "user",
                    content: input.isEmpty ? instruction : instruction + "\n\n" + input))
            messages.append(.init(role: "assistant", content: output))
        }
        guard messages.contains(where: { $0.role == "assistant" }) else {
            throw bad("no assistant message to learn from")
        }
        return messages
    }

    public func appendSequence(_ index: Int, inputs: inout [Int32], targets: inout [Int32]) {
        let (tokens, trained) = examples[index]
        for position in 0..<sequenceLength {
            let next = position + 1
            inputs.append(position < tokens.count ? tokens[position] : padding)
            targets.append(next < tokens.count && trained[next] ? tokens[next] : ignoredTarget)
        }
    }

    /// Target tokens (those carrying loss) over all conversations.
    public var trainedTokenCount: Int {
        examples.reduce(0) { total, example in
            total + example.trained.dropFirst().filter { $0 }.count
        }
    }
}
