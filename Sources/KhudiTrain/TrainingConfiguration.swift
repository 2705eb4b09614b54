import KhudiNN

/// Everything a training run needs besides the model and the data, with the defaults
/// `khudi-train` documents (nanoGPT's and PEFT's usual values).
public struct TrainingConfiguration: Sendable, Equatable, Codable {
    public enum Mode: String, Sendable, Codable, CaseIterable {
        /// A fresh model from a configuration.
        case pretrain
        /// Every parameter of a loaded model.
        case full
        /// Low-rank adapters on chosen linear layers of a loaded model; the base is frozen.
        case lora
    }

    public enum Schedule: String, Sendable, Codable, CaseIterable {
        case constant
        /// Linear warmup, cosine decay to `minimumLearningRate` at the last step.
        case cosine
        /// Warmup-stable-decay: linear warmup, constant, linear decay over `decaySteps`.
        case wsd
    }

    public struct LoRASettings: Sendable, Equatable, Codable {
        public var rank = 8
        public var alpha: Float = 16
        /// PEFT module names or suffixes (`q_proj`), or the single entry `all-linear`.
        public var targets = ["q_proj", "k_proj", "v_proj", "o_proj"]
        /// alpha/√rank instead of alpha/rank (rsLoRA).
        public var rankStabilized = false
        /// Dropout on each adapter's input during training (PEFT's `lora_dropout`).
        public var dropout: Float = 0

        public init() {}
    }

    public var mode = Mode.pretrain
    /// Optimizer steps to take in all.
    public var steps = 1000
    /// Sequences per forward pass.
    public var microBatchSize = 8
    /// Forward passes per optimizer step; the loss is normalised by the target tokens of all of
    /// them together, so k × b equals one batch of k·b.
    public var gradientAccumulation = 1
    public var sequenceLength = 256
    public var learningRate: Float = 6e-4
    public var minimumLearningRate: Float = 6e-5
    public var warmupSteps = 100
    public var schedule = Schedule.cosine
    /// Steps of the final decay under `wsd`.
    public var decaySteps = 100
    public var weightDecay: Float = 0.1
    public var beta1: Float = 0.9
    public var beta2: Float = 0.95
    public var epsilon: Float = 1e-8
    /// Global gradient-norm clip; 0 turns clipping off.
    public var gradientClip: Float = 1
    /// Validation every this many steps (and at the end); 0: only at the end.
    public var evaluationInterval = 100
    /// Micro-batches of validation sequences per evaluation (fewer if the split is smaller).
    public var evaluationBatches = 20
    /// Share of the sequences held out for validation when no validation shards are given.
    public var validationFraction = 0.05
    /// Visit training sequences in a fresh seeded order each epoch (else in stream order).
    public var shuffle = true
    /// Keep attention within each packed document (positions restart after every EOS); off,
    /// a sequence attends across the documents packed into it, as GPT-2 and nanoGPT train.
    public var documentMasking = false
    /// A checkpoint every this many steps (and at the end); 0: only at the end.
    public var checkpointInterval = 500
    /// Checkpoints kept (0 keeps all).
    ///
    /// Older ones are removed once a newer one is complete.
    public var keepCheckpoints = 3
    /// A metrics line every this many steps.
    public var logInterval = 10
    public var seed: UInt64 = 1
    public var lora = LoRASettings()

    public init() {}

    /// The learning-rate schedule these settings describe.
    public var learningRateSchedule: LearningRateSchedule {
        switch schedule {
        case .constant: .constant(peak: learningRate)
        case .cosine:
            .warmupCosine(
                peak: learningRate, floor: minimumLearningRate, warmup: warmupSteps, total: steps)
        case .wsd:
            .warmupStableDecay(
                peak: learningRate, floor: minimumLearningRate, warmup: warmupSteps,
                decay: decaySteps, total: steps)
        }
    }

    /// Settings that cannot work, named by their configuration key.
    public func validate() throws(TrainingError) {
        let positive: [(String, Int)] = [
            ("train.steps", steps), ("train.micro_batch_size", microBatchSize),
            ("train.gradient_accumulation", gradientAccumulation),
            ("train.sequence_length", sequenceLength), ("train.log_interval", logInterval),
            ("train.evaluation_batches", evaluationBatches),
        ]
        for (field, value) in positive where value <= 0 {
            throw .configuration(field: field, reason: "must be positive, got \(value)")
        }
        let nonNegative: [(String, Int)] = [
            ("train.warmup_steps", warmupSteps), ("train.decay_steps", decaySteps),
            ("train.evaluation_interval", evaluationInterval),
            ("train.checkpoint_interval", checkpointInterval),
            ("train.keep_checkpoints", keepCheckpoints),
        ]
        for (field, value) in nonNegative where value < 0 {
            throw .configuration(field: field, reason: "must be 0 or more, got \(value)")
        }
        guard learningRate > 0, learningRate.isFinite else {
            throw .configuration(field: "train.learning_rate", reason: "must be positive")
        }
        guard minimumLearningRate >= 0, minimumLearningRate <= learningRate else {
            throw .configuration(
                field: "train.min_learning_rate", reason: "must be between 0 and learning_rate")
        }
        guard (0..<1).contains(beta1), (0..<1).contains(beta2) else {
            throw .configuration(field: "train.betas", reason: "each must be in [0, 1)")
        }
        guard gradientClip >= 0, weightDecay >= 0, epsilon > 0 else {
            throw .configuration(
                field: "train.gradient_clip", reason: "clip and weight decay ≥ 0, epsilon > 0")
        }
        guard validationFraction >= 0, validationFraction < 1 else {
            throw .configuration(field: "data.validation_fraction", reason: "must be in [0, 1)")
        }
        if mode == .lora {
            guard lora.dropout >= 0, lora.dropout < 1 else {
                throw .configuration(field: "train.lora.dropout", reason: "must be in [0, 1)")
            }
            guard lora.rank > 0, lora.alpha > 0, !lora.targets.isEmpty else {
                throw .configuration(
                    field: "train.lora", reason: "rank and alpha must be positive, targets given")
            }
        }
    }
}
