import Foundation
import KhudiModels
import KhudiNN
import KhudiTensor

/// The training loop: micro-batches with gradient accumulation, clipping, the learning-rate
/// schedule, AdamW, validation, checkpoints with exact resume, and a stop on a non-finite
/// loss that keeps the state before the step.
///
/// The loss of a step is Σ token losses over every micro-batch ÷ the step's target tokens, so
/// k micro-batches of b sequences give the gradient of one batch of k·b. Given the same
/// threads, a run resumed from a checkpoint reproduces the uninterrupted run's losses bit for
/// bit: weights and moments are stored exactly, the data order is a function of the seed and
/// the sampler's cursor, and the schedule a function of the step.
public final class Trainer {
    public let model: any LanguageModel
    public let configuration: TrainingConfiguration
    public let store: ParameterStore
    let optimizer: AdamW
    let training: any TrainingData
    let validation: (dataset: any TrainingData, sequences: Range<Int>)?
    var sampler: SequenceSampler
    public internal(set) var step = 0
    /// Training tokens read before and during this process.
    public internal(set) var tokens = 0
    let checkpoints: CheckpointStore
    let metrics: MetricsLog?
    /// The base model directory a LoRA checkpoint refers to.
    let baseModel: String?
    /// Files copied into every model checkpoint (tokenizer.json, generation_config.json).
    let companionFiles: [String]
    /// `config.json` fields kept in model checkpoints beside the model's own (special ids).
    let configurationFields: [String: Any]
    /// The data-parallel ranks (one process: a no-op communicator).
    ///
    /// Every rank draws the same
    /// global batch from the same sampler and trains on its slice; gradients, token counts,
    /// losses and the stop flag are summed across ranks, so the update is the one process's
    /// update on the whole batch. Rank 0 alone writes checkpoints and metrics.
    let communicator: any Communicator

    /// A trainer for `model` (already carrying LoRA adapters in `lora` mode; see
    /// `prepare(_:for:)`) over `training`, holding out the validation split.
    public init(
        model: any LanguageModel, configuration: TrainingConfiguration,
        training: any TrainingData, validation: (any TrainingData)? = nil, output: String,
        baseModel: String? = nil, companionFiles: [String] = [],
        configurationFields: [String: Any] = [:],
        communicator: any Communicator = SingleProcessCommunicator()
    ) throws(TrainingError) {
        try configuration.validate()
        guard training.vocabularySize <= model.vocabularySize else {
            throw .data(
                path: training.source,
                reason:
                    "made with a tokenizer of \(training.vocabularySize) tokens but the model embeds \(model.vocabularySize)"
            )
        }
        guard configuration.sequenceLength <= model.contextLength else {
            throw .configuration(
                field: "train.sequence_length",
                reason:
                    "\(configuration.sequenceLength) exceeds the model's context of \(model.contextLength)"
            )
        }
        guard training.sequenceLength == configuration.sequenceLength else {
            throw .configuration(
                field: "train.sequence_length",
                reason:
                    "\(configuration.sequenceLength), but the data was cut into sequences of \(training.sequenceLength)"
            )
        }
        let split = try Self.split(
            training, validation: validation, fraction: configuration.validationFraction)
        self.model = model
        self.configuration = configuration
        self.training = training
        self.validation = split.validation
        self.baseModel = baseModel
        self.companionFiles = companionFiles
        self.configurationFields = configurationFields
        self.communicator = communicator
        sampler = SequenceSampler(
            sequences: split.training, seed: configuration.seed, shuffles: configuration.shuffle)
        store = ParameterStore(model)
        guard store.trainableCount > 0 else {
            throw .configuration(field: "train.mode", reason: "the model has nothing to train")
        }
        optimizer = AdamW(
            store, learningRate: configuration.learningRate, beta1: configuration.beta1,
            beta2: configuration.beta2, epsilon: configuration.epsilon,
            weightDecay: configuration.weightDecay)
        checkpoints = CheckpointStore(output: output, keep: configuration.keepCheckpoints)
        do {
            try FileManager.default.createDirectory(
                atPath: output, withIntermediateDirectories: true)
        } catch {
            throw .checkpoint(path: output, reason: "cannot create the output directory: \(error)")
        }
        metrics = communicator.rank == 0 ? MetricsLog(path: "\(output)/metrics.jsonl") : nil
    }

    /// Training sequences and the held-out validation sequences: the given validation shards,
    /// else the last `fraction` of the training sequences (at least one when there are two).
    static func split(
        _ training: any TrainingData, validation: (any TrainingData)?, fraction: Double
    ) throws(TrainingError) -> (
        training: Range<Int>, validation: (dataset: any TrainingData, sequences: Range<Int>)?
    ) {
        let all = 0..<training.sequenceCount
        if let validation { return (all, (validation, 0..<validation.sequenceCount)) }
        guard fraction > 0, training.sequenceCount >= 2 else { return (all, nil) }
        let held = max(1, Int((Double(training.sequenceCount) * fraction).rounded()))
        guard held < training.sequenceCount else {
            throw .configuration(
                field: "data.validation_fraction",
                reason: "leaves no training sequences of \(training.sequenceCount)")
        }
        let cut = training.sequenceCount - held
        return (0..<cut, (training, cut..<training.sequenceCount))
    }

    /// Runs until `configuration.steps`, or until `shouldStop()` (polled between steps) asks
    /// for a clean stop, which saves a checkpoint first.
    public func run(
        shouldStop: () -> Bool = { false }, events: (TrainingEvent) -> Void = { _ in }
    ) throws(TrainingError) -> TrainingOutcome {
        let start = DispatchTime.now().uptimeNanoseconds
        let startTokens = tokens
        var lastCheckpoint: String?
        var lastValidation: Double?
        var outcome: TrainingOutcome {
            TrainingOutcome(
                step: step, interrupted: false, lastCheckpoint: lastCheckpoint,
                tokens: tokens - startTokens,
                seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9,
                finalValidationLoss: lastValidation)
        }
        let c = configuration
        while step < c.steps {
            if try anyRank(shouldStop()) {
                lastCheckpoint = try saveCheckpoint(events: events)
                var stopped = outcome
                stopped.interrupted = true
                return stopped
            }
            let report = try takeStep()
            events(.step(report))
            if step % c.logInterval == 0 || step == c.steps {
                metrics?.append(report)
            }
            let atEnd = step == c.steps
            if atEnd || (c.evaluationInterval > 0 && step % c.evaluationInterval == 0),
                let (loss, count) = try validationLoss()
            {
                lastValidation = loss
                metrics?.appendValidation(step: step, loss: loss, tokens: count)
                events(.validation(step: step, loss: loss, tokens: count))
            }
            if atEnd || (c.checkpointInterval > 0 && step % c.checkpointInterval == 0) {
                lastCheckpoint = try saveCheckpoint(events: events)
            }
        }
        return outcome
    }

    /// One optimizer step over `gradientAccumulation` micro-batches, nothing else (no
    /// validation, checkpoint or metrics line): for custom loops and benchmarks.
    public func takeStep() throws(TrainingError) -> StepReport {
        let c = configuration
        let begin = DispatchTime.now().uptimeNanoseconds
        let cursorBefore = sampler.cursor
        let (rank, ranks) = (communicator.rank, communicator.size)
        var batches: [(inputs: [Int32], targets: [Int32])] = []
        for _ in 0..<c.gradientAccumulation {
            var inputs: [Int32] = []
            var targets: [Int32] = []
            inputs.reserveCapacity(c.microBatchSize * c.sequenceLength)
            targets.reserveCapacity(c.microBatchSize * c.sequenceLength)
            // Every rank draws the whole global micro-batch and keeps its own rows.
            for row in 0..<(ranks * c.microBatchSize) {
                let sequence = sampler.next()
                guard row / c.microBatchSize == rank else { continue }
                training.appendSequence(sequence, inputs: &inputs, targets: &targets)
            }
            batches.append((inputs, targets))
        }
        // Normalise by the target tokens of the whole step (every micro-batch of every rank).
        let localTargets = batches.reduce(0) { $0 + countedTargets($1.targets) }
        let targetCount = Int(try sum(Double(localTargets)))
        let rate = c.learningRateSchedule.rate(at: step)
        optimizer.learningRate = rate
        store.zeroGradients()
        var loss = 0.0
        let adapters =
            c.mode == .lora && c.lora.dropout > 0 ? model.linearLayers.compactMap(\.layer.lora) : []
        for (micro, batch) in batches.enumerated() {
            // Dropout masks from (seed, step, micro-batch, rank, layer): resumable, no state.
            for (index, adapter) in adapters.enumerated() {
                var mix = SeededGenerator(
                    seed: c.seed ^ UInt64(step) &* 0x9E37_79B9_7F4A_7C15
                        ^ UInt64(micro &* 8191 &+ rank &* 131_071 &+ index) &* 0xBF58_476D_1CE4_E5B9
                )
                adapter.dropoutSeed = mix.next()
            }
            do {
                let hidden = try model.hiddenStates(
                    batch.inputs, batch: c.microBatchSize, length: c.sequenceLength,
                    documents: documents(batch.inputs, rows: c.microBatchSize, data: training))
                // The output layer fused into the loss: the logits' gradient never exists.
                let summed =
                    try model.fusableOutputWeight.map { weight throws(TensorError) in
                        try linearCrossEntropy(
                            hidden, weight: weight, targets: batch.targets,
                            ignoreIndex: ignoredTarget, reduction: .sum)
                    }
                    ?? crossEntropy(
                        model.outputLogits(hidden), targets: batch.targets,
                        ignoreIndex: ignoredTarget, reduction: .sum)
                let scaled = summed * (1 / Float(max(1, targetCount)))
                loss += Double(scaled.scalarValue)
                scaled.backward()
            } catch {
                throw .data(path: training.source, reason: "\(error)")
            }
        }
        if ranks > 1 {
            do {
                try communicator.allReduceSum(store.gradients)
            } catch {
                throw .distributed("\(error)")
            }
            loss = try sum(loss)
        }
        let norm =
            c.gradientClip > 0 ? store.clipGradients(maxNorm: c.gradientClip) : store.gradientNorm()
        guard loss.isFinite, norm.isFinite else {
            // Keep the state before this step: weights and moments are untouched so far.
            sampler = SequenceSampler(
                sequences: sampler.sequences, seed: sampler.seed, shuffles: sampler.shuffles,
                cursor: cursorBefore)
            let saved = try? saveCheckpoint(events: { _ in })
            throw .nonFinite(step: step + 1, loss: Float(loss), gradientNorm: norm, savedAt: saved)
        }
        optimizer.update()
        step += 1
        let stepTokens = ranks * c.gradientAccumulation * c.microBatchSize * c.sequenceLength
        tokens += stepTokens
        return StepReport(
            step: step, totalSteps: c.steps, loss: loss, learningRate: rate, gradientNorm: norm,
            tokens: stepTokens,
            seconds: Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9)
    }

    /// Mean loss per target token over up to `evaluationBatches` micro-batches of the
    /// validation split, and the tokens it covered; nil without a split.
    public func validationLoss() throws(TrainingError) -> (loss: Double, tokens: Int)? {
        guard let validation else { return nil }
        let c = configuration
        // Each rank scores every size-th micro-batch; the sums are combined.
        let all = Array(validation.sequences.prefix(c.evaluationBatches * c.microBatchSize))
        let sequences = stride(from: 0, to: all.count, by: c.microBatchSize).enumerated()
            .filter { $0.offset % communicator.size == communicator.rank }
            .flatMap { all[$0.element..<min(all.count, $0.element + c.microBatchSize)] }
        var total = 0.0
        var counted = 0
        var index = 0
        while index < sequences.count {
            let rows = min(c.microBatchSize, sequences.count - index)
            var inputs: [Int32] = []
            var targets: [Int32] = []
            for sequence in sequences[index..<(index + rows)] {
                validation.dataset.appendSequence(sequence, inputs: &inputs, targets: &targets)
            }
            do {
                let length = validation.dataset.sequenceLength
                let layout = documents(inputs, rows: rows, data: validation.dataset)
                let summed = try GradientMode.withoutGradients {
                    try crossEntropy(
                        model.logits(inputs, batch: rows, length: length, documents: layout),
                        targets: targets, ignoreIndex: ignoredTarget, reduction: .sum)
                }
                total += Double(summed.scalarValue)
            } catch {
                throw .data(path: validation.dataset.source, reason: "\(error)")
            }
            counted += countedTargets(targets)
            index += rows
        }
        total = try sum(total)
        counted = Int(try sum(Double(counted)))
        return (total / Double(max(1, counted)), counted)
    }

    /// Training FLOPs per token that a step performs.
    ///
    /// Each linear weight element costs 2 forward and 2 for its input's gradient, plus 2 for
    /// its own gradient when it is trained (6 in full training, the usual 6·N; 4 for a frozen
    /// LoRA base); LoRA factors are trained linears; a head tied to the embedding is a
    /// (vocabulary × width) linear; attention adds 12 · layers · width · sequence length (PaLM's
    /// appendix B count). Embedding lookups, norms and biases are left out.
    public static func flopsPerToken(_ model: any LanguageModel, sequenceLength: Int) -> Double {
        func cost(_ weight: Tensor) -> Double {
            Double(weight.count) * (weight.requiresGradient ? 6 : 4)
        }
        var total = 0.0
        for (_, layer, _) in model.linearLayers {
            total += cost(layer.weight)
            if let lora = layer.lora { total += cost(lora.a) + cost(lora.b) }
        }
        if !model.linearLayers.contains(where: \.isHead), let tied = model.fusableOutputWeight {
            total += cost(tied)
        }
        let width = model.linearLayers.first?.layer.inFeatures ?? 0
        return total + 12 * Double(model.layerCount * width * sequenceLength)
    }

    /// The packed documents of `rows` rows of `inputs` when document masking is on.
    func documents(_ inputs: [Int32], rows: Int, data: any TrainingData) -> DocumentLayout? {
        guard configuration.documentMasking, let separator = data.documentSeparator else {
            return nil
        }
        return DocumentLayout(
            ids: inputs, batch: rows, length: data.sequenceLength, separator: separator)
    }

    /// `value` summed over the ranks.
    func sum(_ value: Double) throws(TrainingError) -> Double {
        guard communicator.size > 1 else { return value }
        var buffer = [value]
        do {
            try buffer.withUnsafeMutableBufferPointer { try communicator.allReduceSum($0) }
        } catch {
            throw .distributed("\(error)")
        }
        return buffer[0]
    }

    /// Whether any rank asks to stop (so all stop at the same step).
    func anyRank(_ flag: Bool) throws(TrainingError) -> Bool {
        try sum(flag ? 1 : 0) > 0
    }
}

/// The target id that contributes no loss (PyTorch's ignore_index).
let ignoredTarget: Int32 = -100

/// How many of `targets` carry loss.
func countedTargets(_ targets: [Int32]) -> Int {
    targets.reduce(0) { $0 + ($1 == ignoredTarget ? 0 : 1) }
}
