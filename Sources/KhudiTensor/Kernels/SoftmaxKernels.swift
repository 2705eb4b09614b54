import Foundation

/// Softmax over the last dimension and the fused cross-entropy, forward and backward.

/// out[r, :] = softmax(x[r, :]) for `rows` rows of length `c`.
func softmaxForward(
    _ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, rows: Int, c: Int
) {
    KernelThreads.forEachRange(rows, grain: KernelThreads.grain(itemCost: 3 * c)) { range in
        for r in range {
            let row = x + r * c
            let o = out + r * c
            let maximum = maximumOf(row, c)
            exponentiate(o, row, 0..<c, minus: maximum)
            let sum = sumOf(c) { o[$0] }
            let inverse = 1 / sum
            for j in 0..<c { o[j] *= inverse }
        }
    }
}

/// dX += y ∘ (dY − Σ dY∘y), with y the saved softmax output.
func softmaxBackward(
    _ dX: UnsafeMutablePointer<Float>, _ dY: UnsafePointer<Float>, _ y: UnsafePointer<Float>,
    rows: Int, c: Int
) {
    KernelThreads.forEachRange(rows, grain: KernelThreads.grain(itemCost: 3 * c)) { range in
        for r in range {
            let g = dY + r * c
            let p = y + r * c
            let dot = sumOf(c) { g[$0] * p[$0] }
            let d = dX + r * c
            for j in 0..<c { d[j] += p[j] * (g[j] - dot) }
        }
    }
}

/// Per-row cross-entropy of logits against targets, log-softmax fused in.
///
/// Shapes: `losses`, `logSumExp` (rows); `logits` (rows, vocabulary); `targets` (rows).
/// A row whose target equals `ignoreIndex` gets loss 0 and is skipped by backward. Targets are
/// validated by the caller.
func crossEntropyForward(
    _ losses: UnsafeMutablePointer<Float>, _ logSumExp: UnsafeMutablePointer<Float>,
    _ logits: UnsafePointer<Float>, _ targets: UnsafePointer<Int32>,
    rows: Int, vocabulary: Int, ignoreIndex: Int32
) {
    let grain = KernelThreads.grain(itemCost: 2 * vocabulary)
    KernelThreads.forEachRange(rows, grain: grain) { range in
        for r in range {
            let row = logits + r * vocabulary
            let maximum = maximumOf(row, vocabulary)
            let lse = maximum + logf(sumOfExp(row, vocabulary, minus: maximum))
            logSumExp[r] = lse
            let target = targets[r]
            losses[r] = target == ignoreIndex ? 0 : lse - row[Int(target)]
        }
    }
}

/// `crossEntropyForward` that also turns the logits, in place, into dLoss/dLogits = scale ·
/// (softmax − one-hot of the target), zero on ignored rows: the fused output layer's loss.
///
/// Each logit's exponential is taken once (kept in place, then scaled by scale / Σ), where
/// forward followed by `crossEntropyBackward` takes it twice. Losses are the same bits as
/// `crossEntropyForward`'s; no log-sum-exp is kept, since no backward reads it.
func crossEntropyWithGradient(
    _ losses: UnsafeMutablePointer<Float>,
    _ logits: UnsafeMutablePointer<Float>, _ targets: UnsafePointer<Int32>,
    scale: Float, rows: Int, vocabulary: Int, ignoreIndex: Int32
) {
    let grain = KernelThreads.grain(itemCost: 3 * vocabulary)
    KernelThreads.forEachRange(rows, grain: grain) { range in
        for r in range {
            let row = logits + r * vocabulary
            let target = targets[r]
            let maximum = maximumOf(row, vocabulary)
            let targetLogit = target == ignoreIndex ? 0 : row[Int(target)]
            let sum = exponentiateSummingInPlace(row, vocabulary, minus: maximum)
            guard target != ignoreIndex else {
                losses[r] = 0
                row.update(repeating: 0, count: vocabulary)
                continue
            }
            losses[r] = maximum + logf(sum) - targetLogit
            scaleForward(row, row, scale / sum, n: vocabulary)
            row[Int(target)] -= scale
        }
    }
}

/// dLogits[r, j] (+)= scale · (softmax(logits)[r, j] − [j == target]): added when `accumulate`,
/// else written, with ignored rows then set to 0 (a fresh buffer may hold anything).
///
/// `scale` is dLoss / (number of unmasked rows) for a mean reduction. Written, `dLogits` may be
/// `logits` itself: each element is read before it is overwritten.
func crossEntropyBackward(
    _ dLogits: UnsafeMutablePointer<Float>, _ logits: UnsafePointer<Float>,
    _ logSumExp: UnsafePointer<Float>, _ targets: UnsafePointer<Int32>,
    scale: Float, rows: Int, vocabulary: Int, ignoreIndex: Int32, accumulate: Bool = true
) {
    let grain = KernelThreads.grain(itemCost: 2 * vocabulary)
    KernelThreads.forEachRange(rows, grain: grain) { range in
        for r in range {
            let row = logits + r * vocabulary
            let d = dLogits + r * vocabulary
            guard targets[r] != ignoreIndex else {
                if !accumulate { d.update(repeating: 0, count: vocabulary) }
                continue
            }
            addExponentialShares(
                d, row, vocabulary, minus: logSumExp[r], scale: scale, accumulate: accumulate)
            d[Int(targets[r])] -= scale
        }
    }
}
