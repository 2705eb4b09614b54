/// How tokens are chosen: the logits processors of Hugging Face's `generate`, applied in its
/// order (repetition penalty, temperature, top-k, top-p), then sampling, or argmax when
/// `temperature` is 0.
public struct GenerationOptions: Sendable {
    public var maximumNewTokens = 64
    /// 0 is greedy decoding.
    public var temperature: Float = 0
    /// Keep only the k most likely tokens (0: all).
    public var topK = 0
    /// Keep the fewest most likely tokens whose probabilities reach p (1: all).
    public var topP: Float = 1
    /// > 1 discourages tokens already in the prompt or output (CTRL's penalty, as transformers:
    /// positive logits divided by it, negative ones multiplied).
    public var repetitionPenalty: Float = 1
    /// Generation of a sequence stops after any of these ids (which is kept in the output).
    public var stopTokens: Set<Int32> = []
    public var seed: UInt64 = 0
    /// Prompts decoded together, sharing each step's matrix products (results do not depend
    /// on it).
    public var batchSize = 8

    public init() {}

    /// Whether the settings are usable, or what is wrong with them.
    public func validate() throws(ModelError) {
        guard maximumNewTokens >= 0 else {
            throw .badInput("maximum new tokens must be at least 0 (got \(maximumNewTokens))")
        }
        guard temperature >= 0, temperature.isFinite else {
            throw .badInput("temperature must be 0 (greedy) or positive (got \(temperature))")
        }
        guard batchSize >= 1 else {
            throw .badInput("batch size must be at least 1 (got \(batchSize))")
        }
        guard topK >= 0 else { throw .badInput("top-k must be at least 0 (got \(topK))") }
        guard topP > 0, topP <= 1 else {
            throw .badInput("top-p must be in (0, 1] (got \(topP))")
        }
        guard repetitionPenalty > 0, repetitionPenalty.isFinite else {
            throw .badInput("repetition penalty must be positive (got \(repetitionPenalty))")
        }
    }
}
