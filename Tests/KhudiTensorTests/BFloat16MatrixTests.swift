import Testing
import _KhudiTestSupport

@testable import KhudiTensor

@Suite struct BFloat16MatrixTests {
    @Test func productsEqualTheRoundedMatrixTimesTheVector() {
        var random = TestRandom(seed: 9)
        let (rows, columns) = (37, 45)  // a tail after the eight-lane loop
        let values = (0..<(rows * columns)).map { _ in random.nextFloat() }
        let x = (0..<columns).map { _ in random.nextFloat() }
        let bias = (0..<rows).map { _ in random.nextFloat() }
        let matrix = values.withUnsafeBufferPointer {
            BFloat16Matrix($0.baseAddress!, rows: rows, columns: columns)
        }
        var out = [Float](repeating: 0, count: rows)
        bias.withUnsafeBufferPointer { b in matrix.multiply(x, into: &out, bias: b.baseAddress) }
        for r in 0..<rows {
            var expected: Double = Double(bias[r])
            for c in 0..<columns {
                let rounded = matrix[r, c]
                // Round to nearest even keeps each weight within half a bfloat16 step.
                #expect(
                    abs(rounded - values[r * columns + c]) <= abs(values[r * columns + c]) / 256)
                expected += Double(rounded) * Double(x[c])
            }
            #expect(abs(Double(out[r]) - expected) < 1e-4, "row \(r)")
        }
        // The op over a batch of rows gives each row's product.
        let input = Tensor(x + x, shape: [2, columns])
        let result = linear(input, weight: matrix)
        #expect(result.shape == [2, rows])
        #expect(Array(result.values.prefix(rows)) == Array(result.values.suffix(rows)))
    }
}
