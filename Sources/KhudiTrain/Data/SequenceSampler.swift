import KhudiNN

/// The order training sequences are visited in: every epoch a fresh permutation of the
/// training sequences, drawn from the seed and the epoch number alone, so the position
/// (epoch, offset) recreates the order exactly on resume.
public struct SequenceSampler: Sendable {
    /// Where the sampler stands: the epoch and how many of its sequences were taken.
    public struct Cursor: Equatable, Sendable, Codable {
        public var epoch: Int
        public var offset: Int

        public init(epoch: Int = 0, offset: Int = 0) {
            self.epoch = epoch
            self.offset = offset
        }
    }

    public let sequences: Range<Int>
    public let seed: UInt64
    /// False visits the sequences in order every epoch.
    public let shuffles: Bool
    public private(set) var cursor: Cursor
    private var order: [Int]

    /// A sampler over `sequences` at `cursor`.
    public init(
        sequences: Range<Int>, seed: UInt64, shuffles: Bool = true, cursor: Cursor = Cursor()
    ) {
        precondition(!sequences.isEmpty, "a sampler needs at least one sequence")
        self.sequences = sequences
        self.seed = seed
        self.shuffles = shuffles
        self.cursor = cursor
        order =
            shuffles
            ? Self.permutation(sequences, seed: seed, epoch: cursor.epoch) : Array(sequences)
    }

    /// The next sequence index, moving to a new epoch (a new permutation) at the end of one.
    public mutating func next() -> Int {
        if cursor.offset == order.count {
            cursor = Cursor(epoch: cursor.epoch + 1, offset: 0)
            if shuffles { order = Self.permutation(sequences, seed: seed, epoch: cursor.epoch) }
        }
        defer { cursor.offset += 1 }
        return order[cursor.offset]
    }

    /// Fisher–Yates over `sequences` with a generator seeded by the seed and the epoch.
    static func permutation(_ sequences: Range<Int>, seed: UInt64, epoch: Int) -> [Int] {
        var generator = SeededGenerator(seed: seed ^ (UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15))
        var order = Array(sequences)
        for i in stride(from: order.count - 1, to: 0, by: -1) {
            let j = Int(generator.next() % UInt64(i + 1))
            order.swapAt(i, j)
        }
        return order
    }
}
