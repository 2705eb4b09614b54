/// Fixed-length training sequences, by index: packed token shards or rendered instructions.
public protocol TrainingData: AnyObject, Sendable {
    var sequenceCount: Int { get }
    /// Positions per sequence (inputs and targets each).
    var sequenceLength: Int { get }
    /// Token ids are below this (the tokenizer's vocabulary).
    var vocabularySize: Int { get }
    /// What the data is, for error messages (a path).
    var source: String { get }
    /// Appends sequence `index`'s inputs and targets (L each; a target of −100 carries no loss).
    func appendSequence(_ index: Int, inputs: inout [Int32], targets: inout [Int32])
}

extension PackedTokenDataset: TrainingData {
    public var source: String { shards.map(\.path).joined(separator: ", ") }
}
