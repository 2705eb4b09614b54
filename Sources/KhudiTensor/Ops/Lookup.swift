/// Embedding lookup: `ids` (any shape, flattened) index rows of `table` (vocabulary, c).
///
/// Returns (ids.shape…, c). Throws `TensorError.tokenOutOfRange` naming the first bad id and
/// its position: ids come from data, so a bad one is an input error, not a crash.
public func embedding(_ ids: [Int32], shape: Shape, table: Tensor) throws(TensorError) -> Tensor {
    shapeCheck(
        table.shape.count == 2, "embedding", "table must be (vocabulary, c), got \(table.shape)")
    guard ids.count == shape.elementCount else {
        throw .countMismatch(operation: "embedding", expected: shape.elementCount, got: ids.count)
    }
    let (vocabulary, c) = (table.shape[0], table.shape[1])
    try validateIDs(ids, limit: vocabulary, operation: "embedding")
    let out = Tensor.output("embedding", shape: shape + [c], from: [table])
    let indices = IndexBuffer(ids)
    embeddingForward(out.data, table.data, indices.pointer, n: ids.count, c: c)
    return out.recordBackward { out in
        if let dTable = table.gradientIfNeeded {
            embeddingBackward(dTable, out.gradientData, indices.pointer, n: ids.count, c: c)
        }
    }
}

/// How `crossEntropy` combines per-row losses.
public enum LossReduction: Sendable {
    /// Mean over rows whose target is not ignored (0 when all are).
    case mean
    /// Sum over rows; divide by the token count of the whole accumulated batch yourself, which
    /// is the correct normalisation under gradient accumulation with uneven masking.
    case sum
}

/// Cross-entropy of `logits` (…, vocabulary) against `targets` (one per row), with log-softmax
/// fused in.
///
/// Rows whose target is `ignoreIndex` (PyTorch's −100 by default) are excluded.
public func crossEntropy(
    _ logits: Tensor, targets: [Int32], ignoreIndex: Int32 = -100,
    reduction: LossReduction = .mean
) throws(TensorError) -> Tensor {
    let vocabulary = logits.shape.last ?? 1
    let rows = logits.count / vocabulary
    let (counted, divisor) = try checkedLossTargets(
        targets, rows: rows, vocabulary: vocabulary, ignoreIndex: ignoreIndex,
        reduction: reduction, operation: "crossEntropy")
    let out = Tensor.output("crossEntropy", shape: [], from: [logits])
    let losses = Tensor(uninitialized: [rows])
    let logSumExp = Tensor(uninitialized: [rows])
    let targetIndices = IndexBuffer(targets)
    crossEntropyForward(
        losses.data, logSumExp.data, logits.data, targetIndices.pointer, rows: rows,
        vocabulary: vocabulary, ignoreIndex: ignoreIndex)

    out.data[0] = sumAll(losses.data, n: rows) / divisor
    return out.recordBackward { out in
        guard counted > 0, let dLogits = logits.gradientTarget else { return }
        let scale = out.gradientBuffer[0] / divisor
        crossEntropyBackward(
            dLogits.pointer, logits.data, logSumExp.data, targetIndices.pointer, scale: scale,
            rows: rows, vocabulary: vocabulary, ignoreIndex: ignoreIndex,
            accumulate: dLogits.accumulate)
    }
}

/// Checks that `targets` hold one id per row, each below `vocabulary` or `ignoreIndex`; returns
/// how many rows count and what the summed loss is divided by under `reduction`.
func checkedLossTargets(
    _ targets: [Int32], rows: Int, vocabulary: Int, ignoreIndex: Int32,
    reduction: LossReduction, operation: String
) throws(TensorError) -> (counted: Int, divisor: Float) {
    guard targets.count == rows else {
        throw .countMismatch(operation: operation, expected: rows, got: targets.count)
    }
    try validateIDs(targets, limit: vocabulary, operation: operation, ignored: ignoreIndex)
    let counted = targets.reduce(0) { $0 + ($1 == ignoreIndex ? 0 : 1) }
    return (counted, Float(reduction == .mean ? max(counted, 1) : 1))
}

/// Token ids copied into memory the kernels can point at for as long as a backward closure
/// needs them.
final class IndexBuffer {
    let pointer: UnsafeMutablePointer<Int32>

    init(_ ids: [Int32]) {
        pointer = .allocate(capacity: max(1, ids.count))
        for (i, id) in ids.enumerated() { pointer[i] = id }
    }

    deinit { pointer.deallocate() }
}
