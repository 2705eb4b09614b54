/// Fixed-length training sequences, by index: packed token shards or rendered instructions.
public protocol TrainingData: AnyObject, Sendable {
    var sequenceCount: Int { get }
    /// Positions per sequence (inputs and targets each).
    var sequenceLength: Int { get }
    /// Token ids are below this (the tokenizer's vocabulary).
    var vocabularySize: Int { get }
    /// What the data is, for error messages (a path).
    var source: String { get }
    /// The id that ends a packed document (document masking starts a new one after it); nil
    /// when each sequence is one document.
    var documentSeparator: Int32? { get }
    /// Appends sequence `index`'s inputs and targets (L each; a target of −100 carries no loss).
    func appendSequence(_ index: Int, inputs: inout [Int32], targets: inout [Int32])
}

extension PackedTokenDataset: TrainingData {
    public var source: String { shards.map(\.path).joined(separator: ", ") }
    public var documentSeparator: Int32? { Int32(eosID) }
}
