import Foundation
import KhudiTrain
import Testing

@Suite struct DataTests {
    @Test func shardsPackIntoSequencesAcrossFileBoundaries() throws {
        let directory = TrainingFixtures.scratch("data")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try TrainingFixtures.shard(Array(0..<10), in: directory, name: "a.bin")
        let second = try TrainingFixtures.shard(Array(10..<23), in: directory, name: "b.bin")
        let data = try PackedTokenDataset(paths: [first, second], sequenceLength: 5)
        #expect(data.tokenCount == 23 && data.sequenceCount == 4)
        var inputs: [Int32] = []
        var targets: [Int32] = []
        data.appendSequence(1, inputs: &inputs, targets: &targets)
        data.appendSequence(3, inputs: &inputs, targets: &targets)
        #expect(inputs == [5, 6, 7, 8, 9, 15, 16, 17, 18, 19])
        #expect(targets == [6, 7, 8, 9, 10, 16, 17, 18, 19, 20])
    }

    @Test func unusableShardsAreRefusedByName() throws {
        let directory = TrainingFixtures.scratch("bad-data")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let good = try TrainingFixtures.shard(Array(0..<40), in: directory)
        let other = try TrainingFixtures.shard(
            Array(0..<40), in: directory, name: "other.bin", vocabularySize: 100)
        #expect {
            try PackedTokenDataset(paths: [good, other], sequenceLength: 8)
        } throws: { error in
            guard case .data(let path, let reason) = error as? TrainingError else { return false }
            return path == other && reason.contains("another tokenizer")
        }
        #expect {
            try PackedTokenDataset(paths: [good], sequenceLength: 40)
        } throws: { error in
            guard case .data(_, let reason) = error as? TrainingError else { return false }
            return reason.contains("fewer than one sequence")
        }
        let truncated = "\(directory)/truncated.bin"
        try Data(try Data(contentsOf: URL(fileURLWithPath: good)).prefix(70)).write(
            to: URL(fileURLWithPath: truncated))
        #expect {
            try PackedTokenDataset(paths: [truncated], sequenceLength: 4)
        } throws: { error in
            guard case .data(let path, let reason) = error as? TrainingError else { return false }
            return path == truncated && reason.contains("token count")
        }
    }

    /// Each epoch visits every sequence once in a seeded order; a sampler recreated at a
    /// cursor continues exactly as the original.
    @Test func samplerOrderIsSeededAndResumable() {
        var sampler = SequenceSampler(sequences: 3..<10, seed: 4)
        let firstEpoch = (0..<7).map { _ in sampler.next() }
        #expect(firstEpoch.sorted() == Array(3..<10) && firstEpoch != Array(3..<10))
        let middle = sampler.cursor
        let rest = (0..<10).map { _ in sampler.next() }
        #expect(middle == SequenceSampler.Cursor(epoch: 0, offset: 7))
        var resumed = SequenceSampler(sequences: 3..<10, seed: 4, cursor: middle)
        #expect((0..<10).map { _ in resumed.next() } == rest)
        #expect(Array(rest.prefix(7)) != firstEpoch)  // a fresh order for the next epoch
        var other = SequenceSampler(sequences: 3..<10, seed: 5)
        #expect((0..<7).map { _ in other.next() } != firstEpoch)
    }
}
