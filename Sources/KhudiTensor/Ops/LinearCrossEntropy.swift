/// Cross-entropy of the logits `hidden · weightᵀ` against `targets`, without the (rows,
/// vocabulary) logits in memory: the output layer and the loss fused, as Liger-Kernel's
/// fused linear cross-entropy does.
///
/// Equal to `crossEntropy(linear(hidden, weight: weight), targets:…)` up to the order of float
/// additions. Rows go through in chunks: each chunk's logits land in one scratch buffer that
/// stays in cache, are turned into their log-sum-exp and, when gradients are recorded, into
/// dLoss/dLogits in place, which two GEMMs turn into the gradients of `hidden` and `weight`
/// for a unit upstream gradient. Backward then only scales those by the upstream gradient (the
/// loss is linear in it). Saves the logits and their gradient (two rows × vocabulary buffers,
/// 64 MB each for 1024 rows of a 16k vocabulary), one exponential per logit and the passes over
/// them in memory; costs a (vocabulary, width) buffer while `weight` is trained.
///
/// `hidden` is (…, width), the output layer's input; `weight` is (vocabulary, width), Hugging
/// Face's layout, without a bias; `targets` hold one id per row of `hidden`, and rows whose
/// target is `ignoreIndex` are excluded. Throws when the targets do not match the rows or lie
/// outside the vocabulary. `chunkRows` overrides the chunk size (tests use it to cross chunk
/// boundaries on small inputs).
public func linearCrossEntropy(
    _ hidden: Tensor, weight: Tensor, targets: [Int32], ignoreIndex: Int32 = -100,
    reduction: LossReduction = .mean, chunkRows: Int? = nil
) throws(TensorError) -> Tensor {
    shapeCheck(
        weight.shape.count == 2, "linearCrossEntropy",
        "weight must be (vocabulary, width), got \(weight.shape)")
    let (vocabulary, width) = (weight.shape[0], weight.shape[1])
    shapeCheck(
        hidden.shape.last == width, "linearCrossEntropy",
        "hidden \(hidden.shape) does not end in \(width) to match weight \(weight.shape)")
    let rows = hidden.count / width
    guard targets.count == rows else {
        throw .countMismatch(operation: "linearCrossEntropy", expected: rows, got: targets.count)
    }
    try validateIDs(
        targets, limit: vocabulary, operation: "linearCrossEntropy", ignored: ignoreIndex)
    let counted = targets.reduce(0) { $0 + ($1 == ignoreIndex ? 0 : 1) }
    let divisor = Float(reduction == .mean ? max(counted, 1) : 1)
    let out = Tensor.output("linearCrossEntropy", shape: [], from: [hidden, weight])
    let withGradients = out.requiresGradient && counted > 0
    let hiddenGradient =
        withGradients && hidden.requiresGradient ? Tensor(uninitialized: [rows, width]) : nil
    let weightGradient =
        withGradients && weight.requiresGradient ? Tensor(uninitialized: [vocabulary, width]) : nil

    // A trained weight's gradient is re-read and re-written by every chunk, so chunks are then
    // larger; a frozen one (LoRA) lets the scratch stay small enough for the cache.
    let chunk = min(rows, max(1, chunkRows ?? (weightGradient == nil ? 128 : 512)))
    let scratch = Tensor(uninitialized: [max(chunk, 1), vocabulary])
    let losses = Tensor(uninitialized: [rows])
    let logSumExp = Tensor(uninitialized: [rows])
    let targetIndices = IndexBuffer(targets)
    for start in stride(from: 0, to: rows, by: max(chunk, 1)) {
        let count = min(chunk, rows - start)
        let chunkHidden = hidden.data + start * width
        matrixMultiplyStrided(
            scratch.data, ldc: vocabulary, chunkHidden, lda: width, weight.data, ldb: width,
            m: count, n: vocabulary, k: width, transposeB: .transposed)
        crossEntropyForward(
            losses.data + start, logSumExp.data + start, scratch.data,
            targetIndices.pointer + start, rows: count, vocabulary: vocabulary,
            ignoreIndex: ignoreIndex)
        guard withGradients else { continue }
        // scratch ← dLoss/dLogits for a unit upstream gradient, in place.
        crossEntropyBackward(
            scratch.data, scratch.data, logSumExp.data + start, targetIndices.pointer + start,
            scale: 1 / divisor, rows: count, vocabulary: vocabulary, ignoreIndex: ignoreIndex,
            accumulate: false)
        if let hiddenGradient {
            matrixMultiplyStrided(
                hiddenGradient.data + start * width, ldc: width, scratch.data, lda: vocabulary,
                weight.data, ldb: width, m: count, n: width, k: vocabulary)
        }
        if let weightGradient {
            matrixMultiplyStrided(
                weightGradient.data, ldc: width, scratch.data, lda: vocabulary, chunkHidden,
                ldb: width, m: vocabulary, n: width, k: count, transposeA: .transposed,
                beta: start == 0 ? 0 : 1)
        }
    }
    out.data[0] = sumAll(losses.data, n: rows) / divisor
    return out.recordBackward { out in
        let upstream = out.gradientBuffer[0]
        for (input, unit) in [(hidden, hiddenGradient), (weight, weightGradient)] {
            guard let unit, let target = input.gradientTarget else { continue }
            scaleInto(target, unit.data, by: upstream, n: unit.count)
        }
    }
}

/// target (+)= factor · source over n elements.
private func scaleInto(
    _ target: GradientTarget, _ source: UnsafePointer<Float>, by factor: Float, n: Int
) {
    let d = target.pointer
    if target.accumulate {
        for i in 0..<n { d[i] += factor * source[i] }
    } else {
        for i in 0..<n { d[i] = factor * source[i] }
    }
}
