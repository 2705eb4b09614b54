import Foundation

/// `trainer_state.json`: where a run stands, written last into a checkpoint so its presence
/// marks the checkpoint complete.
public struct TrainerState: Codable, Sendable, Equatable {
    public static let currentFormat = "khudi-trainer-state/1"
    public var format = TrainerState.currentFormat
    /// Optimizer steps completed.
    public var step: Int
    /// The training sampler's position.
    public var cursor: SequenceSampler.Cursor
    public var seed: UInt64
    /// The run's settings as JSON, so a resume with other settings is noticed.
    public var configuration: TrainingConfiguration
    /// Training tokens read before this checkpoint (all processes of the run).
    public var tokens: Int
    /// `pretrain`/`full`: the model is in this directory; `lora`: the adapter is, over the base
    /// model at `baseModel`.
    public var baseModel: String?

    public init(
        step: Int, cursor: SequenceSampler.Cursor, seed: UInt64,
        configuration: TrainingConfiguration, tokens: Int, baseModel: String?
    ) {
        self.step = step
        self.cursor = cursor
        self.seed = seed
        self.configuration = configuration
        self.tokens = tokens
        self.baseModel = baseModel
    }
}
