/// A known all-reduce that proves a job's ranks can talk.
///
/// Every rank contributes `(rank + 1) · (i mod 8 + 1)` at index `i`, so after the sum index
/// `i` holds `size·(size+1)/2 · (i mod 8 + 1)`. All values are small integers, exact in
/// `Float`.
public struct AllReduceProbe: Codable, Equatable, Sendable {
    /// Elements reduced.
    public var count: Int
    /// The first eight reduced values.
    public var head: [Float]
    /// The sum of every reduced value (in `Double`, exact for the default size).
    public var total: Double
    /// Whether every element equals the value the formula predicts.
    public var matchesExpectation: Bool

    /// Runs the probe over `communicator` with a buffer of `count` floats.
    public static func run(
        on communicator: any Communicator, count: Int = 1 << 20
    ) throws
        -> AllReduceProbe
    {
        var buffer = [Float](repeating: 0, count: count)
        let weight = Float(communicator.rank + 1)
        for i in 0..<count { buffer[i] = weight * Float(i % 8 + 1) }
        try buffer.withUnsafeMutableBufferPointer { try communicator.allReduceSum($0) }

        let ranks = Float(communicator.size * (communicator.size + 1) / 2)
        var total = 0.0
        var matches = true
        for i in 0..<count {
            total += Double(buffer[i])
            if buffer[i] != ranks * Float(i % 8 + 1) { matches = false }
        }
        return AllReduceProbe(
            count: count, head: Array(buffer.prefix(8)), total: total, matchesExpectation: matches)
    }
}
