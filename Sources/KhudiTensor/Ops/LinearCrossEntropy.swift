/// Cross-entropy of the logits `hidden · weightᵀ` against `targets`, with the output layer and
/// the loss fused, after Liger-Kernel's fused linear cross-entropy.
///
/// Equal to `crossEntropy(linear(hidden, weight: weight), targets:…)` up to the order of float
/// additions. The logits land in a scratch buffer that is turned into their log-sum-exp and,
/// when gradients are recorded, into dLoss/dLogits in place, which two GEMMs turn into the
/// gradients of `hidden` and `weight` for a unit upstream gradient; backward only scales those
/// by the upstream gradient (the loss is linear in it). So the logits' gradient buffer (64 MB
/// per 1024 rows of a 16k vocabulary) never exists and each logit's exponential is taken once;
/// a trained weight costs a (vocabulary, width) buffer instead. By default all rows form one
/// chunk: smaller chunks keep less in memory but were 3% slower per training step here, since
/// OpenBLAS packs the whole weight again for every chunk's two GEMMs.
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
    let (counted, divisor) = try checkedLossTargets(
        targets, rows: rows, vocabulary: vocabulary, ignoreIndex: ignoreIndex,
        reduction: reduction, operation: "linearCrossEntropy")
    let out = Tensor.output("linearCrossEntropy", shape: [], from: [hidden, weight])
    let withGradients = out.requiresGradient && counted > 0
    let hiddenGradient =
        withGradients && hidden.requiresGradient ? Tensor(uninitialized: [rows, width]) : nil
    let weightGradient =
        withGradients && weight.requiresGradient ? Tensor(uninitialized: [vocabulary, width]) : nil

    let chunk = min(rows, max(1, chunkRows ?? rows))
    let scratch = Tensor(uninitialized: [max(chunk, 1), vocabulary])
    let losses = Tensor(uninitialized: [rows])
    // Only crossEntropyForward (no gradients) writes log-sum-exps, and nothing here reads them.
    let logSumExp = Tensor(uninitialized: [withGradients ? 0 : rows])
    let targetIndices = IndexBuffer(targets)
    for start in stride(from: 0, to: rows, by: max(chunk, 1)) {
        let count = min(chunk, rows - start)
        let chunkHidden = hidden.data + start * width
        matrixMultiplyStrided(
            scratch.data, ldc: vocabulary, chunkHidden, lda: width, weight.data, ldb: width,
            m: count, n: vocabulary, k: width, transposeB: .transposed)
        guard withGradients else {
            crossEntropyForward(
                losses.data + start, logSumExp.data + start, scratch.data,
                targetIndices.pointer + start, rows: count, vocabulary: vocabulary,
                ignoreIndex: ignoreIndex)
            continue
        }
        // scratch ← dLoss/dLogits for a unit upstream gradient, in place.
        crossEntropyWithGradient(
            losses.data + start, scratch.data, targetIndices.pointer + start,
            scale: 1 / divisor, rows: count,
            vocabulary: vocabulary, ignoreIndex: ignoreIndex)
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
            if target.accumulate {
                scaleBackward(target.pointer, unit.data, upstream, n: unit.count)
            } else {
                scaleForward(target.pointer, unit.data, upstream, n: unit.count)
            }
        }
    }
}
