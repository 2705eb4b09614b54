/// A weight matrix stored as bfloat16 (the top 16 bits of each Float32), for decoding: one
/// token's matrix-vector products read every weight once, so memory traffic, not arithmetic,
/// sets the speed, and half the bytes is nearly twice the tokens per second.
///
/// Values are rounded to nearest even; products accumulate in Float32.
public final class BFloat16Matrix: @unchecked Sendable {
    public let rows: Int
    public let columns: Int
    let storage: UnsafeMutablePointer<UInt16>

    /// A (rows, columns) row-major Float32 matrix, rounded.
    public init(_ values: UnsafePointer<Float>, rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        storage = .allocate(capacity: max(1, rows * columns))
        KernelThreads.forEachRange(rows * columns, grain: 1 << 16) { range in
            for i in range {
                let bits = values[i].bitPattern
                storage[i] =
                    values[i].isNaN
                    ? UInt16(bits >> 16) | 0x40
                    : UInt16((bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
            }
        }
    }

    deinit { storage.deallocate() }

    /// The value at (row, column), widened.
    public subscript(row: Int, column: Int) -> Float {
        Float(bitPattern: UInt32(storage[row * columns + column]) << 16)
    }

    /// out[r] = Σ_c self[r, c] · x[c] (+ bias[r]) for every row: the matrix times one vector.
    ///
    /// Rows are split across threads; each row's sum runs in eight fixed lanes, so results do
    /// not depend on the thread count.
    public func multiply(
        _ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
        bias: UnsafePointer<Float>? = nil
    ) {
        let columns = columns
        let storage = storage
        KernelThreads.forEachRange(rows, grain: max(1, (1 << 15) / max(1, columns))) { range in
            for r in range {
                let row = storage + r * columns
                var lanes = SIMD8<Float>()
                var c = 0
                while c + 8 <= columns {
                    let packed = UnsafeRawPointer(row + c).loadUnaligned(as: SIMD8<UInt16>.self)
                    let widened = SIMD8<UInt32>(truncatingIfNeeded: packed) &<< 16
                    let weights = unsafeBitCast(widened, to: SIMD8<Float>.self)
                    let inputs = UnsafeRawPointer(x + c).loadUnaligned(as: SIMD8<Float>.self)
                    lanes += weights * inputs
                    c += 8
                }
                var sum = lanes.sum()
                while c < columns {
                    sum += Float(bitPattern: UInt32(row[c]) << 16) * x[c]
                    c += 1
                }
                out[r] = sum + (bias?[r] ?? 0)
            }
        }
    }
}
