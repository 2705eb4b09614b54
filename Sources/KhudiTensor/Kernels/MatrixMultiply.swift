import CBLAS

/// Which operand of a matrix product is used transposed.
public enum Transpose: Sendable {
    case none
    case transposed

    var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

/// `out = alpha · op(a) · op(b) + beta · out`, the one GEMM every layer funnels through.
///
/// All buffers are contiguous row-major:
/// - `out`: (m, n)
/// - `a`: (m, k), or (k, m) when `transposeA == .transposed`
/// - `b`: (k, n), or (n, k) when `transposeB == .transposed`
///
/// With `beta = 1` the product is accumulated into `out`, which is how backward kernels add
/// their contribution (`dA += dOut · Bᵀ`). Shapes are checked against the buffer sizes with a
/// precondition: a mismatch is a programming error inside Khudi, not bad user input.
public func matrixMultiply(
    _ out: UnsafeMutableBufferPointer<Float>,
    _ a: UnsafeBufferPointer<Float>,
    _ b: UnsafeBufferPointer<Float>,
    m: Int, n: Int, k: Int,
    transposeA: Transpose = .none,
    transposeB: Transpose = .none,
    alpha: Float = 1,
    beta: Float = 0
) {
    precondition(m >= 0 && n >= 0 && k >= 0, "matrixMultiply: negative dimension")
    precondition(out.count >= m * n, "matrixMultiply: out has \(out.count) < \(m)×\(n)")
    precondition(a.count >= m * k, "matrixMultiply: a has \(a.count) < \(m)×\(k)")
    precondition(b.count >= k * n, "matrixMultiply: b has \(b.count) < \(k)×\(n)")
    guard m > 0, n > 0 else { return }
    guard k > 0 else {
        // An empty inner dimension contributes nothing: out = beta · out.
        for i in 0..<(m * n) { out[i] = beta == 0 ? 0 : beta * out[i] }
        return
    }
    let lda = transposeA == .none ? k : m
    let ldb = transposeB == .none ? n : k
    BLASLibrary.require()
    khudi_cblas_sgemm(
        CblasRowMajor, transposeA.cblas, transposeB.cblas,
        Int32(m), Int32(n), Int32(k),
        alpha, a.baseAddress, Int32(lda),
        b.baseAddress, Int32(ldb),
        beta, out.baseAddress, Int32(n))
}

/// out = a · x (+ beta · out) for a row-major (rows, columns) matrix a and a vector x.
///
/// One row of a linear layer (a decoding step). OpenBLAS's sgemm packs the whole matrix even
/// for a single row, which was most of a decoding step; gemv reads it in place (measured:
/// GPT-2 small decoding 21 → 40 tokens/s).
public func matrixVectorMultiply(
    _ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
    rows: Int, columns: Int, beta: Float = 0
) {
    guard rows > 0, columns > 0 else { return }
    BLASLibrary.require()
    khudi_cblas_sgemv(
        CblasRowMajor, CblasNoTrans, Int32(rows), Int32(columns), 1, a, Int32(columns), x, 1,
        beta, out, 1)
}

/// The strided form of `matrixMultiply`: operands are sub-matrices of larger row-major
/// buffers, with leading dimensions (row strides) `lda`, `ldb`, `ldc`.
///
/// Attention uses it to multiply one head's rows of a (tokens, heads × headDim) buffer in
/// place, with no copies. Pointers must cover the strided extents; nothing is checked here.
public func matrixMultiplyStrided(
    _ out: UnsafeMutablePointer<Float>, ldc: Int,
    _ a: UnsafePointer<Float>, lda: Int,
    _ b: UnsafePointer<Float>, ldb: Int,
    m: Int, n: Int, k: Int,
    transposeA: Transpose = .none, transposeB: Transpose = .none,
    alpha: Float = 1, beta: Float = 0
) {
    guard m > 0, n > 0, k > 0 else { return }
    BLASLibrary.require()
    khudi_cblas_sgemm(
        CblasRowMajor, transposeA.cblas, transposeB.cblas,
        Int32(m), Int32(n), Int32(k),
        alpha, a, Int32(lda), b, Int32(ldb),
        beta, out, Int32(ldc))
}

/// out[j] += Σ_r a[r, j] for a row-major (rows, columns) matrix: the bias gradient of a linear
/// layer, as one BLAS matrix-vector product with a vector of ones (`ones` must hold `rows`
/// ones; callers keep one around).
func columnSumsAccumulate(
    _ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, ones: UnsafePointer<Float>,
    rows: Int, columns: Int
) {
    guard rows > 0, columns > 0 else { return }
    BLASLibrary.require()
    khudi_cblas_sgemv(
        CblasRowMajor, CblasTrans, Int32(rows), Int32(columns), 1, a, Int32(columns), ones, 1, 1,
        out, 1)
}
