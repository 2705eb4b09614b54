/// A tensor's dimensions, outermost first (row-major).
public typealias Shape = [Int]

extension Array where Element == Int {
    /// Number of elements a tensor of this shape holds (1 for a scalar `[]`).
    public var elementCount: Int { reduce(1, *) }
}

/// Stops with a message naming the operation and the shapes when `condition` is false.
///
/// Shape errors inside the numeric core are programming errors (a layer wired wrongly), so
/// they stop the process like an out-of-bounds index does, but with a message that says which
/// operation and which shapes. Input data errors (token ids) are thrown instead.
@inline(__always)
func shapeCheck(
    _ condition: @autoclosure () -> Bool, _ op: String, _ message: @autoclosure () -> String
) {
    if !condition() { fatalError("\(op): \(message())") }
}
