/// What a training run reports as it goes (the library never prints; executables decide what
/// to show).
public enum TrainingEvent: Sendable {
    case step(StepReport)
    case validation(step: Int, loss: Double, tokens: Int)
    case checkpoint(step: Int, path: String)
}

/// One optimizer step.
public struct StepReport: Sendable, Equatable, Codable {
    /// Steps completed, this one included.
    public var step: Int
    public var totalSteps: Int
    /// Mean cross-entropy over the step's target tokens (all micro-batches together).
    public var loss: Double
    public var learningRate: Float
    /// Global gradient norm before clipping.
    public var gradientNorm: Float
    /// Tokens the step's forward passes read.
    public var tokens: Int
    /// Wall-clock seconds of the step.
    public var seconds: Double
}

/// How a run ended.
public struct TrainingOutcome: Sendable, Equatable {
    /// Steps completed.
    public var step: Int
    /// Stopped early on request (a signal); the last checkpoint holds the state.
    public var interrupted: Bool
    public var lastCheckpoint: String?
    /// Tokens read by training steps in this process (not counting a resumed run's past).
    public var tokens: Int
    public var seconds: Double
    public var finalValidationLoss: Double?
}
