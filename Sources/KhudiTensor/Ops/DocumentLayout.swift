/// Where packed documents begin inside each row of a batch, so that attention stays within a
/// document and positions restart at each one (cross-document masking for packed training).
///
/// For token t of a row: `start` is the index in the row of its document's first token (keys
/// before it are masked out), `position` is t − start (its position within the document).
public final class DocumentLayout: @unchecked Sendable {
    public let batch: Int
    public let tokens: Int
    let starts: IndexBuffer
    let positions: IndexBuffer

    /// A layout for `batch` rows of `length` ids in which a new document begins after every
    /// `separator` (the end-of-sequence id ends the document it closes) and at each row's start.
    public init(ids: [Int32], batch: Int, length: Int, separator: Int32) {
        precondition(
            ids.count == batch * length, "DocumentLayout: \(ids.count) ids for \(batch) × \(length)"
        )
        self.batch = batch
        tokens = length
        var starts = [Int32](repeating: 0, count: ids.count)
        var positions = [Int32](repeating: 0, count: ids.count)
        for row in 0..<batch {
            var start = 0
            for t in 0..<length {
                if t > 0 && ids[row * length + t - 1] == separator { start = t }
                starts[row * length + t] = Int32(start)
                positions[row * length + t] = Int32(t - start)
            }
        }
        self.starts = IndexBuffer(starts)
        self.positions = IndexBuffer(positions)
    }

    /// Each token's position within its document, row by row (GPT-2's position ids).
    public var positionIDs: [Int32] {
        Array(UnsafeBufferPointer(start: positions.pointer, count: batch * tokens))
    }

    /// Each token's document start within its row.
    public var documentStarts: [Int32] {
        Array(UnsafeBufferPointer(start: starts.pointer, count: batch * tokens))
    }
}
