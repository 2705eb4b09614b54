/// Errors from operations whose inputs come from data rather than from the program: token ids and
/// targets.
///
/// (Shape mismatches between layers stop the process with a message instead.)
public enum TensorError: Error, Equatable, CustomStringConvertible {
    /// A token id at `position` (flat index) is negative or ≥ `limit`.
    case tokenOutOfRange(operation: String, position: Int, id: Int32, limit: Int)
    /// The number of ids does not match what the operation needs.
    case countMismatch(operation: String, expected: Int, got: Int)

    public var description: String {
        switch self {
        case .tokenOutOfRange(let operation, let position, let id, let limit):
            "\(operation): token id \(id) at position \(position) is outside 0..<\(limit)"
        case .countMismatch(let operation, let expected, let got):
            "\(operation): expected \(expected) ids, got \(got)"
        }
    }
}

/// Throws for the first id outside 0..<limit, skipping `ignored` if given.
func validateIDs(
    _ ids: [Int32], limit: Int, operation: String, ignored: Int32? = nil
) throws(TensorError) {
    for (position, id) in ids.enumerated() where id != ignored && (id < 0 || Int(id) >= limit) {
        throw .tokenOutOfRange(operation: operation, position: position, id: id, limit: limit)
    }
}
