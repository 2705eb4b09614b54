import KhudiNN
import KhudiTensor

/// A causal language model: token ids in, next-token logits out.
///
/// Generation, scoring and training work through this, whatever the architecture.
public protocol LanguageModel: Module {
    var vocabularySize: Int { get }
    /// The longest sequence the model takes.
    var contextLength: Int { get }
    /// Transformer blocks (one key/value cache each).
    var layerCount: Int { get }
    /// Every linear layer, named as PEFT and Hugging Face name the module; `isHead` marks the
    /// output layer (which LoRA's `all-linear` leaves out).
    var linearLayers: [(name: String, layer: Linear, isHead: Bool)] { get }
    /// Next-token logits (batch, length, vocabulary) for `tokens`, `batch` rows of `length` ids;
    /// with `documents` (packed training), each document starts at position 0 and attends only
    /// within itself.
    func logits(
        _ tokens: [Int32], batch: Int, length: Int, documents: DocumentLayout?
    ) throws(ModelError) -> Tensor
    /// The final, normalised hidden states (batch, length, width) that the output layer reads:
    /// `logits` is `outputLogits(hiddenStates(…))`.
    func hiddenStates(
        _ tokens: [Int32], batch: Int, length: Int, documents: DocumentLayout?
    ) throws(ModelError) -> Tensor
    /// The output layer applied to `hiddenStates`.
    func outputLogits(_ hidden: Tensor) -> Tensor
    /// The output layer's (vocabulary, width) weight when a loss may fuse the layer in
    /// (`linearCrossEntropy`): it has no bias and no adapter. Nil otherwise.
    var fusableOutputWeight: Tensor? { get }
    /// Empty key/value caches, one per block, for `batch` rows of up to `capacity` positions.
    func makeCaches(batch: Int, capacity: Int?) -> [KeyValueCache]
    /// Logits for `tokens` following the positions their caches hold; the caches then hold
    /// them too (inference only).
    ///
    /// `groups` are sets of caches (one per block, from `makeCaches`), each for its own rows at
    /// its own position; `tokens` are every group's rows of `length` ids, in order. The result
    /// is (rows, length, vocabulary), or (rows, 1, vocabulary) with `lastPositionOnly` (all a
    /// generator needs after a prompt).
    func logits(
        _ tokens: [Int32], length: Int, following groups: [[KeyValueCache]],
        lastPositionOnly: Bool
    ) throws(ModelError) -> Tensor
    /// Saves the model in Hugging Face's layout (`config.json` with `configurationFields`
    /// under the model's own, `model.safetensors` or shards past `maximumShardBytes`), each
    /// file written atomically.
    func save(
        directory: String, configurationFields: [String: Any], metadata: [String: String],
        maximumShardBytes: Int?
    ) throws(ModelError)
    /// Makes single-token cached steps read bfloat16 copies of the weights (about twice the
    /// decoding speed, logits within bfloat16's rounding of the Float32 ones).
    func useBFloat16Decoding()
}

extension LanguageModel {
    public func logits(
        _ tokens: [Int32], batch: Int, length: Int, documents: DocumentLayout?
    ) throws(ModelError) -> Tensor {
        outputLogits(try hiddenStates(tokens, batch: batch, length: length, documents: documents))
    }

    /// Next-token logits (batch, length, vocabulary) for `tokens`, `batch` rows of `length` ids.
    public func logits(_ tokens: [Int32], batch: Int, length: Int) throws(ModelError) -> Tensor {
        try logits(tokens, batch: batch, length: length, documents: nil)
    }

    /// Checks that `tokens` are `batch` rows of `length` ids within the context.
    func checkInput(_ tokens: [Int32], batch: Int, length: Int) throws(ModelError) {
        guard tokens.count == batch * length, length > 0 else {
            throw .badInput("\(tokens.count) token ids for \(batch) rows of \(length)")
        }
        guard length <= contextLength else {
            throw .badInput("\(length) tokens exceed the model's context of \(contextLength)")
        }
    }
}

extension GPT2Model: LanguageModel {
    public var vocabularySize: Int { configuration.vocabularySize }
    public var contextLength: Int { configuration.contextLength }
    public var layerCount: Int { blocks.count }
}

extension LlamaModel: LanguageModel {
    public var vocabularySize: Int { configuration.vocabularySize }
    public var contextLength: Int { configuration.contextLength }
    public var layerCount: Int { blocks.count }
}

extension Module {
    /// The parameters a base-model checkpoint holds: all but attached LoRA adapters' matrices
    /// (saved on their own, in PEFT layout).
    var baseParameters: [(name: String, tensor: Tensor)] {
        namedParameters.filter { !LoRA.isAdapterParameter($0.name) }
    }
}

/// Runs `body` without recording gradients (inference), with typed errors: a `ModelError`
/// passes through, anything else (an embedding id outside the table) becomes `badInput`.
func inferring<Value>(_ body: () throws -> Value) throws(ModelError) -> Value {
    let result: Result<Value, ModelError> = GradientMode.withoutGradients {
        do {
            return .success(try body())
        } catch {
            return .failure(error as? ModelError ?? .badInput("\(error)"))
        }
    }
    return try result.get()
}
