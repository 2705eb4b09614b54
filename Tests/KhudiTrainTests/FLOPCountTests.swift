import KhudiModels
import KhudiNN
import KhudiTrain
import Testing

/// The FLOPs a training step reports count what the step computes: 6 per trained linear
/// weight, 4 per frozen one (no weight gradient), plus attention.
@Suite struct FLOPCountTests {
    // The tiny Llama: 2 layers of width 32, 4 heads over 2 key/value heads of 8, MLP 64.
    let linearPerLayer = 32 * 32 + 16 * 32 + 16 * 32 + 32 * 32 + 3 * 64 * 32
    let head = TrainingFixtures.vocabulary * 32
    let attention = 12 * 2 * 32 * 16  // 12 · layers · width · sequence length 16

    @Test func fullTrainingCountsSixPerLinearWeightAndTheHead() throws {
        let untied = try TrainingFixtures.llama()
        #expect(
            Trainer.flopsPerToken(untied, sequenceLength: 16)
                == Double(6 * (2 * linearPerLayer + head) + attention))
        let tied = try TrainingFixtures.llama(extra: ["tie_word_embeddings": true])
        #expect(
            Trainer.flopsPerToken(tied, sequenceLength: 16)
                == Double(6 * (2 * linearPerLayer + head) + attention),
            "the tied embedding is the head's weight")
    }

    @Test func loraCountsFourPerFrozenWeightAndSixPerAdapterWeight() throws {
        let model = try TrainingFixtures.llama()
        for tensor in model.parameters { tensor.setRequiresGradient(false) }
        var generator = SeededGenerator(seed: 1)
        for block in model.blocks {
            block.attention.query.attachLoRA(rank: 2, alpha: 4, generator: &generator)
            block.attention.value.attachLoRA(rank: 2, alpha: 4, generator: &generator)
        }
        // Rank 2 on q (A 2×32, B 32×2) and v (A 2×32, B 16×2) in both layers.
        let adapters = 2 * (2 * 32 + 32 * 2 + 2 * 32 + 16 * 2)
        #expect(
            Trainer.flopsPerToken(model, sequenceLength: 16)
                == Double(4 * (2 * linearPerLayer + head) + 6 * adapters + attention))
    }
}
