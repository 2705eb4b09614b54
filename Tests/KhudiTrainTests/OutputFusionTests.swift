import KhudiModels
import KhudiNN
import KhudiTensor
import Testing

/// The trainer fuses the output layer into the loss only where that computes the same thing:
/// a head without bias or adapter (or the tied embedding); otherwise it keeps `outputLogits`.
@Suite struct OutputFusionTests {
    @Test func fusableOutputWeightIsTheHeadOnlyWithoutAnAdapter() throws {
        let untied = try TrainingFixtures.llama()
        let head = try #require(untied.head)
        #expect(untied.fusableOutputWeight === head.weight)

        let tied = try TrainingFixtures.llama(extra: ["tie_word_embeddings": true])
        #expect(tied.head == nil)
        #expect(tied.fusableOutputWeight === tied.tokenEmbedding.weight)

        var generator = SeededGenerator(seed: 3)
        head.attachLoRA(rank: 2, alpha: 4, generator: &generator)
        #expect(untied.fusableOutputWeight == nil, "an adapter on lm_head keeps the unfused path")
    }

    @Test func logitsAreTheOutputLayerOverTheHiddenStates() throws {
        let model = try TrainingFixtures.llama()
        let tokens: [Int32] = [1, 4, 2, 7, 3, 0]
        let logits = try model.logits(tokens, batch: 2, length: 3)
        let hidden = try model.hiddenStates(tokens, batch: 2, length: 3, documents: nil)
        #expect(hidden.shape == [2, 3, 32])
        #expect(model.outputLogits(hidden).values == logits.values)
        let weight = try #require(model.fusableOutputWeight)
        let targets: [Int32] = [4, 2, 7, 3, 0, 5]
        let fused = try linearCrossEntropy(hidden, weight: weight, targets: targets)
        let unfused = try crossEntropy(logits, targets: targets)
        #expect(abs(fused.values[0] - unfused.values[0]) < 1e-5)
    }
}
