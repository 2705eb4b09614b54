/// LayerNorm and RMSNorm over the last dimension (fused: one kernel each way).

/// LayerNorm with learned scale and optional shift; eps as in PyTorch (default 1e-5).
public func layerNorm(_ x: Tensor, weight: Tensor, bias: Tensor?, eps: Float = 1e-5) -> Tensor {
    let c = x.shape.last ?? 1
    shapeCheck(
        weight.shape == [c], "layerNorm", "weight \(weight.shape) does not match input \(x.shape)")
    if let bias {
        shapeCheck(
            bias.shape == [c], "layerNorm", "bias \(bias.shape) does not match input \(x.shape)")
    }
    let rows = x.count / c
    let out = Tensor.output(
        "layerNorm", shape: x.shape, from: [x, weight] + (bias.map { [$0] } ?? []))
    let statistics = Tensor(uninitialized: [2, rows])  // mean, then rstd
    layerNormForward(
        out.data, statistics.data, statistics.data + rows, x.data, weight.data, bias?.data,
        rows: rows, c: c, eps: eps)
    return out.recordBackward { out in
        let dX = x.gradientTarget
        layerNormBackward(
            dX?.pointer, weight.gradientIfNeeded, bias?.gradientIfNeeded,
            out.gradientData, x.data, weight.data, statistics.data,
            statistics.data + rows, rows: rows, c: c, accumulateX: dX?.accumulate ?? true)
    }
}

/// RMSNorm with learned scale (Llama); eps from the model config (Llama uses 1e-5 or 1e-6).
public func rmsNorm(_ x: Tensor, weight: Tensor, eps: Float = 1e-5) -> Tensor {
    let c = x.shape.last ?? 1
    shapeCheck(
        weight.shape == [c], "rmsNorm", "weight \(weight.shape) does not match input \(x.shape)")
    let rows = x.count / c
    let out = Tensor.output("rmsNorm", shape: x.shape, from: [x, weight])
    let rstd = Tensor(uninitialized: [rows])
    rmsNormForward(out.data, rstd.data, x.data, weight.data, rows: rows, c: c, eps: eps)
    return out.recordBackward { out in
        let dX = x.gradientTarget
        rmsNormBackward(
            dX?.pointer, weight.gradientIfNeeded, out.gradientData,
            x.data, weight.data, rstd.data, rows: rows, c: c, accumulateX: dX?.accumulate ?? true)
    }
}
