/// Lets a parallel loop write disjoint slots of one buffer (each iteration touches only its own
/// slots, which is what makes the unchecked sharing safe).
///
/// It lives here, the lowest text library, so that the corpus, tokenizer and command layers
/// share one. (KhudiTensor, which imports no Khudi library, keeps its own `UncheckedSendable`.)
public struct UncheckedBox<Value>: @unchecked Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}
