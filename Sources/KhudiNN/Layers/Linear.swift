import Foundation
import KhudiTensor

/// y = x·Wᵀ + b with W stored (out, in) as in Hugging Face checkpoints, plus an optional LoRA
/// adapter that adds scale · (x·Aᵀ)·Bᵀ.
public final class Linear: Module {
    public let weight: Tensor
    public let bias: Tensor?
    /// A low-rank adapter; attaching one (`attachLoRA`) freezes `weight` and `bias`.
    public private(set) var lora: LoRA?

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    /// A layer with weights from `initialization` and, if `bias`, a zero bias.
    public init(
        inFeatures: Int, outFeatures: Int, bias: Bool, initialization: Initialization,
        generator: inout SeededGenerator
    ) {
        weight = initialization.make([outFeatures, inFeatures], using: &generator)
        self.bias = bias ? Initialization.zeros.make([outFeatures], using: &generator) : nil
    }

    /// A layer around existing tensors (weights loaded from a checkpoint).
    public init(weight: Tensor, bias: Tensor?) {
        self.weight = weight
        self.bias = bias
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        var list = [("weight", weight)]
        if let bias { list.append(("bias", bias)) }
        if let lora { list += [("lora_A.weight", lora.a), ("lora_B.weight", lora.b)] }
        return list
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        guard let lora else { return linear(x, weight: weight, bias: bias) }
        return linear(x, weight: weight, bias: bias, lowRank: lora.update(for: x))
    }

    /// Adds a LoRA adapter of `rank` and freezes the base weights.
    public func attachLoRA(
        rank: Int, alpha: Float, rankStabilized: Bool = false, generator: inout SeededGenerator
    ) {
        lora = LoRA(
            inFeatures: inFeatures, outFeatures: outFeatures, rank: rank, alpha: alpha,
            rankStabilized: rankStabilized, generator: &generator)
        weight.setRequiresGradient(false)
        bias?.setRequiresGradient(false)
    }

    /// Folds the adapter into the weight (W ← W + scale · B·A) and removes it.
    ///
    /// The layer then computes what it computed with the adapter, as one matrix. No-op
    /// without an adapter.
    public func mergeAdapter() {
        guard let lora else { return }
        GradientMode.withoutGradients {
            // B·A as linear(B, weight: Aᵀ), since linear(x, weight: W) is x·Wᵀ.
            let delta = linear(lora.b, weight: lora.a.transposed(0, 1))
            for i in 0..<weight.count { weight.data[i] += lora.scale * delta.data[i] }
        }
        self.lora = nil
    }

    /// Attaches an existing adapter (one loaded from a checkpoint), freezing the base weights.
    ///
    /// A must be (rank, in) and B (out, rank).
    public func attach(_ adapter: LoRA) {
        precondition(
            adapter.a.shape == [adapter.rank, inFeatures]
                && adapter.b.shape == [outFeatures, adapter.rank],
            "LoRA A \(adapter.a.shape) and B \(adapter.b.shape) do not fit a \(inFeatures) → \(outFeatures) layer"
        )
        lora = adapter
        weight.setRequiresGradient(false)
        bias?.setRequiresGradient(false)
    }
}

/// The low-rank update of a `Linear`: A (rank, in) initialised as PEFT does (Kaiming-uniform), B
/// (out, rank) zero, so the adapter starts as a no-op.
///
/// Scale is alpha/rank, or alpha/√rank for rsLoRA.
public final class LoRA {
    public let a: Tensor
    public let b: Tensor
    public let scale: Float
    /// Dropout on the adapter's input while gradients are recorded (training; 0: off).
    ///
    /// PEFT's `lora_dropout`. Evaluation and generation never drop.
    public var dropout: Float = 0
    /// The dropout mask's seed for the next forward pass; a trainer sets it per layer and
    /// micro-batch from the run's seed and the step, so a resumed run draws the same masks.
    public var dropoutSeed: UInt64 = 0

    init(
        inFeatures: Int, outFeatures: Int, rank: Int, alpha: Float, rankStabilized: Bool,
        generator: inout SeededGenerator
    ) {
        // kaiming_uniform_(a=√5) on (rank, in) gives bound 1/√in.
        a = Initialization.uniform(bound: 1 / sqrtf(Float(inFeatures))).make(
            [rank, inFeatures], using: &generator)
        b = Initialization.zeros.make([outFeatures, rank], using: &generator)
        scale = Self.scale(alpha: alpha, rank: rank, rankStabilized: rankStabilized)
    }

    /// An adapter from existing A (rank, in) and B (out, rank) tensors.
    public init(a: Tensor, b: Tensor, scale: Float) {
        self.a = a
        self.b = b
        self.scale = scale
    }

    public var rank: Int { a.shape[0] }

    /// Whether a parameter name is an adapter matrix's (`…lora_A.weight`, `…lora_B.weight`),
    /// which a base-model checkpoint leaves out.
    public static func isAdapterParameter(_ name: String) -> Bool {
        name.hasSuffix("lora_A.weight") || name.hasSuffix("lora_B.weight")
    }

    /// alpha / rank, or alpha / √rank for rank-stabilised LoRA (rsLoRA).
    public static func scale(alpha: Float, rank: Int, rankStabilized: Bool) -> Float {
        rankStabilized ? alpha / sqrtf(Float(rank)) : alpha / Float(rank)
    }

    /// The low-rank term for input x (dropped out while training), for the fused
    /// `linear(_:weight:bias:lowRank:)`, which adds it into the base output's buffer.
    func update(for x: Tensor) -> LowRankUpdate {
        let input =
            dropout > 0 && GradientMode.isEnabled
            ? KhudiTensor.dropout(x, probability: dropout, seed: dropoutSeed) : x
        return LowRankUpdate(input: input, a: a, b: b, scale: scale)
    }
}
