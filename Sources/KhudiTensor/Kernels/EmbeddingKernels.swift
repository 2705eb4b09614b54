/// Embedding lookup: rows of a table gathered by token id.
///
/// Shapes: `table`, `dTable` (vocabulary, c); `ids` (n); `out`, `dOut` (n, c). Ids are
/// validated by the caller.

/// out[i, :] = table[ids[i], :].
func embeddingForward(
    _ out: UnsafeMutablePointer<Float>, _ table: UnsafePointer<Float>,
    _ ids: UnsafePointer<Int32>, n: Int, c: Int
) {
    KernelThreads.forEachRange(n, grain: KernelThreads.grain(itemCost: c)) { range in
        for i in range { (out + i * c).update(from: table + Int(ids[i]) * c, count: c) }
    }
}

/// dTable[ids[i], :] += dOut[i, :]: a sparse accumulation.
///
/// Parallel over columns, so rows repeated in `ids` never race and the sum order is fixed.
func embeddingBackward(
    _ dTable: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
    _ ids: UnsafePointer<Int32>, n: Int, c: Int
) {
    KernelThreads.forEachRange(c, grain: max(16, KernelThreads.grain(itemCost: n))) { columns in
        for i in 0..<n {
            let target = dTable + Int(ids[i]) * c
            let source = dOut + i * c
            for j in columns { target[j] += source[j] }
        }
    }
}
