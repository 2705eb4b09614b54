import KhudiTensor
import Testing
import _KhudiTestSupport

/// `matrixMultiply` against a naive triple loop, for every transpose case.
@Suite struct MatrixMultiplyTests {
    /// Row-major reference: out[i][j] = Σ_p A[i][p]·B[p][j] with A, B read through the transposes.
    static func naive(
        _ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool
    ) -> [Float] {
        var out = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = 0
                for p in 0..<k {
                    let aValue = transposeA ? a[p * m + i] : a[i * k + p]
                    let bValue = transposeB ? b[j * k + p] : b[p * n + j]
                    sum += aValue * bValue
                }
                out[i * n + j] = sum
            }
        }
        return out
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func matchesNaiveProduct(transposeA: Bool, transposeB: Bool) {
        let (m, n, k) = (7, 5, 9)
        var random = TestRandom(seed: 42)
        let a = random.floats(m * k)
        let b = random.floats(k * n)
        var out = [Float](repeating: .nan, count: m * n)
        out.withUnsafeMutableBufferPointer { o in
            matrixMultiply(
                o, a.withUnsafeBufferPointer { $0 }, b.withUnsafeBufferPointer { $0 },
                m: m, n: n, k: k,
                transposeA: transposeA ? .transposed : .none,
                transposeB: transposeB ? .transposed : .none)
        }
        let expected = Self.naive(
            a, b, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
        #expect(firstMismatch(out, expected) == nil)
    }

    @Test func handComputedProduct() {
        // [1 2; 3 4] · [5 6; 7 8] = [19 22; 43 50]
        let a: [Float] = [1, 2, 3, 4]
        let b: [Float] = [5, 6, 7, 8]
        var out = [Float](repeating: 0, count: 4)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                out.withUnsafeMutableBufferPointer { matrixMultiply($0, a, b, m: 2, n: 2, k: 2) }
            }
        }
        #expect(out == [19, 22, 43, 50])
    }

    @Test func betaOneAccumulatesIntoOutput() {
        let a: [Float] = [1, 2, 3, 4]
        let b: [Float] = [1, 0, 0, 1]
        var out: [Float] = [10, 20, 30, 40]
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                out.withUnsafeMutableBufferPointer {
                    matrixMultiply($0, a, b, m: 2, n: 2, k: 2, beta: 1)
                }
            }
        }
        #expect(out == [11, 22, 33, 44])
    }

    @Test func emptyInnerDimensionScalesOutputByBeta() {
        var out: [Float] = [1, 2, 3]
        let empty: [Float] = []
        empty.withUnsafeBufferPointer { e in
            out.withUnsafeMutableBufferPointer {
                matrixMultiply($0, e, e, m: 3, n: 1, k: 0, beta: 0.5)
            }
        }
        #expect(out == [0.5, 1, 1.5])
    }
}
