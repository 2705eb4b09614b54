import Foundation
import KhudiTokenizer

/// Token shards read as one stream and cut into fixed-length training sequences (packing).
///
/// Sequence i is tokens [i·L, i·L + L + 1) of the shards concatenated in the order given: its
/// first L tokens are the inputs and its last L the targets (each position predicts the next
/// token). Shards separate documents with the EOS id, so documents are packed end to end with
/// an EOS between them, as GPT-2 and nanoGPT train.
public final class PackedTokenDataset: @unchecked Sendable {
    public let shards: [TokenShard]
    public let sequenceLength: Int
    public let sequenceCount: Int
    public let vocabularySize: Int
    public let eosID: Int
    /// First stream position of each shard, and the total at the end.
    let starts: [Int]

    /// Maps `paths` (in order) and checks they agree on vocabulary and EOS and hold at least
    /// one sequence of `sequenceLength`.
    public init(paths: [String], sequenceLength: Int) throws(TrainingError) {
        guard !paths.isEmpty else {
            throw .configuration(field: "data.train", reason: "no token shards given")
        }
        guard sequenceLength > 0 else {
            throw .configuration(field: "train.sequence_length", reason: "must be positive")
        }
        var shards: [TokenShard] = []
        for path in paths {
            do {
                shards.append(try TokenShard(path: path))
            } catch {
                throw .data(path: path, reason: "\(error)")
            }
        }
        let first = shards[0]
        for shard in shards.dropFirst()
        where shard.vocabularySize != first.vocabularySize || shard.eosID != first.eosID {
            throw .data(
                path: shard.path,
                reason:
                    "made with another tokenizer: vocabulary \(shard.vocabularySize), EOS \(shard.eosID), but \(first.path) has \(first.vocabularySize), EOS \(first.eosID)"
            )
        }
        var starts = [0]
        for shard in shards { starts.append(starts[starts.count - 1] + shard.tokenCount) }
        let total = starts[starts.count - 1]
        guard total > sequenceLength else {
            throw .data(
                path: paths.joined(separator: ", "),
                reason:
                    "\(total) tokens, fewer than one sequence of \(sequenceLength) + 1")
        }
        self.shards = shards
        self.sequenceLength = sequenceLength
        self.starts = starts
        sequenceCount = (total - 1) / sequenceLength
        vocabularySize = first.vocabularySize
        eosID = first.eosID
    }

    /// Total tokens in the stream.
    public var tokenCount: Int { starts[starts.count - 1] }

    /// Appends sequence `index`'s inputs and targets (L each) to the two arrays.
    public func appendSequence(_ index: Int, inputs: inout [Int32], targets: inout [Int32]) {
        precondition(index >= 0 && index < sequenceCount, "sequence \(index) of \(sequenceCount)")
        let start = index * sequenceLength
        for position in start..<(start + sequenceLength) {
            inputs.append(Int32(token(at: position)))
            targets.append(Int32(token(at: position + 1)))
        }
    }

    /// The token at stream position `position`.
    func token(at position: Int) -> Int {
        // Shards are few: a linear scan from the last shard that can hold it.
        var shard = shards.count - 1
        while starts[shard] > position { shard -= 1 }
        return shards[shard][position - starts[shard]]
    }
}
