/// Why training cannot start or go on, naming the file, field or step.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// A token shard that cannot be used (unreadable, malformed, another tokenizer's).
    case data(path: String, reason: String)
    /// A setting that cannot work, with what would.
    case configuration(field: String, reason: String)
    /// The model could not be loaded, saved or adapted.
    case model(String)
    /// A checkpoint that cannot be written or resumed from.
    case checkpoint(path: String, reason: String)
    /// Ranks could not exchange gradients or counts.
    case distributed(String)
    /// The loss or the gradient norm stopped being finite; the state before the step was saved.
    case nonFinite(step: Int, loss: Float, gradientNorm: Float, savedAt: String?)

    public var description: String {
        switch self {
        case .data(let path, let reason): "\(path): \(reason)"
        case .configuration(let field, let reason): "\(field): \(reason)"
        case .model(let reason): reason
        case .distributed(let reason): "data-parallel ranks: \(reason)"
        case .checkpoint(let path, let reason): "checkpoint \(path): \(reason)"
        case .nonFinite(let step, let loss, let norm, let saved):
            "step \(step): loss \(loss), gradient norm \(norm) is not finite; stopped"
                + (saved.map { " (the state before the step is saved in \($0))" } ?? "")
        }
    }
}
