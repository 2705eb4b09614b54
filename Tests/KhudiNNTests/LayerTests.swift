import KhudiNN
import KhudiTensor
import Testing
import _KhudiTestSupport

@Suite struct LayerTests {
    @Test func namesAreHuggingFaceCheckpointKeys() {
        var generator = SeededGenerator(seed: 1)
        let gpt2 = GPT2Block(GPT2BlockConfiguration(dimension: 8, heads: 2), generator: &generator)
        #expect(
            gpt2.namedParameters.map(\.name) == [
                "ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias",
                "attn.c_proj.weight", "attn.c_proj.bias", "ln_2.weight", "ln_2.bias",
                "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias",
            ])
        var configuration = LlamaBlockConfiguration(
            dimension: 8, heads: 4, kvHeads: 2, hiddenDimension: 12)
        configuration.attentionBias = true
        let llama = LlamaBlock(configuration, generator: &generator)
        #expect(
            llama.namedParameters.map(\.name) == [
                "input_layernorm.weight", "self_attn.q_proj.weight", "self_attn.q_proj.bias",
                "self_attn.k_proj.weight", "self_attn.k_proj.bias", "self_attn.v_proj.weight",
                "self_attn.v_proj.bias", "self_attn.o_proj.weight",
                "post_attention_layernorm.weight",
                "mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.down_proj.weight",
            ])
        #expect(
            llama.namedParameters.first { $0.name == "self_attn.k_proj.weight" }?.tensor.shape == [
                4, 8,
            ])
    }

    @Test func initialisationIsDeterministicPerSeed() {
        func weights(_ seed: UInt64) -> [Float] {
            var generator = SeededGenerator(seed: seed)
            return Linear(
                inFeatures: 16, outFeatures: 8, bias: true,
                initialization: .normal(standardDeviation: 0.02), generator: &generator
            ).weight.values
        }
        #expect(weights(7) == weights(7))
        #expect(weights(7) != weights(8))
        let sample = weights(3)
        let mean = sample.reduce(0, +) / Float(sample.count)
        let deviation =
            (sample.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(sample.count))
            .squareRoot()
        #expect(abs(deviation - 0.02) < 0.005)
    }

    @Test func loraStartsAsANoOpFreezesTheBaseAndTrainsOnlyTheAdapter() {
        var generator = SeededGenerator(seed: 4)
        let layer = Linear(
            inFeatures: 6, outFeatures: 5, bias: true,
            initialization: .normal(standardDeviation: 0.5), generator: &generator)
        let x = randomTensor([3, 6], seed: 5)
        let before = layer(x).values
        layer.attachLoRA(rank: 2, alpha: 4, generator: &generator)
        #expect(layer(x).values == before, "B starts at zero")
        #expect(!layer.weight.requiresGradient && layer.bias?.requiresGradient == false)
        #expect(
            layer.namedParameters.map(\.name) == [
                "weight", "bias", "lora_A.weight", "lora_B.weight",
            ])
        #expect(layer.lora?.scale == 2)
        let lora = try! #require(layer.lora)
        lora.b.buffer.update(repeating: 0.1)
        let mismatches = gradientMismatches([lora.a, lora.b]) { weightedSum(layer(x)) }
        #expect(mismatches.isEmpty, "\(mismatches)")
        #expect(layer.weight.gradient == nil, "the frozen base gets no gradient")
        let store = ParameterStore(layer)
        #expect(store.trainableCount == 2 * 6 + 5 * 2)
    }

    @Test func rankStabilizedScaleIsAlphaOverRootRank() {
        var generator = SeededGenerator(seed: 4)
        let layer = Linear(
            inFeatures: 4, outFeatures: 4, bias: false, initialization: .zeros,
            generator: &generator)
        layer.attachLoRA(rank: 4, alpha: 8, rankStabilized: true, generator: &generator)
        #expect(layer.lora?.scale == 4)
    }
}
