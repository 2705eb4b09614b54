import KhudiNN
import KhudiTensor
import Testing

/// Khudi against PyTorch on the fixtures of scripts/fixtures/make_core_golden.py: forward
/// within 1e-5 and gradients and AdamW updates within 1e-4, relative to each tensor's scale.
@Suite struct GoldenTests {
    /// Forward, backward, then the fixture's three clipped, scheduled AdamW steps.
    func check(
        _ fixture: GoldenFixture, model: any Module, logits: () throws -> Tensor
    ) throws {
        fixture.loadParameters(into: model)
        let store = ParameterStore(model)
        let o = fixture.optimizer
        let optimizer = AdamW(
            store, learningRate: o.peak, beta1: o.beta1, beta2: o.beta2, epsilon: o.eps,
            weightDecay: o.weightDecay)
        let schedule = LearningRateSchedule.warmupCosine(
            peak: o.peak, floor: o.floor, warmup: o.warmup, total: o.total)
        for step in 0..<o.steps {
            store.zeroGradients()
            let output = try logits()
            let loss = try crossEntropy(output, targets: fixture.targets)
            #expect(
                abs(loss.scalarValue - fixture.losses[step]) <= 1e-5 * fixture.losses[step],
                "loss at step \(step)")
            loss.backward()
            if step == 0 {
                #expect(output.shape == fixture.logits.shape)
                #expect(scaledError(output.values, fixture.logits.values) <= 1e-5, "logits")
                for (name, tensor) in model.namedParameters {
                    let error = scaledError(tensor.gradient ?? [], fixture.gradients[name] ?? [])
                    #expect(error <= 1e-4, "gradient of \(name): scaled error \(error)")
                }
            }
            let norm = store.clipGradients(maxNorm: o.maxNorm)
            #expect(
                abs(norm - fixture.gradientNorms[step]) <= 1e-4 * fixture.gradientNorms[step],
                "norm at step \(step)")
            optimizer.learningRate = schedule.rate(at: step)
            optimizer.update()
        }
        for (name, tensor) in model.namedParameters {
            let error = scaledError(tensor.values, fixture.afterSteps[name] ?? [])
            #expect(error <= 1e-4, "\(name) after \(o.steps) steps: scaled error \(error)")
        }
    }

    @Test func gpt2MatchesPyTorch() throws {
        let f = try GoldenFixture.load("gpt2-tiny")
        let model = TinyGPT2(
            vocabulary: f.int("vocab"), positions: f.int("positions"), dimension: f.int("dim"),
            heads: f.int("heads"), layers: f.int("layers"), seed: 1)
        try check(f, model: model) {
            try model.logits(f.ids, batch: f.int("batch"), tokens: f.int("tokens"))
        }
    }

    @Test func llamaMatchesPyTorch() throws {
        let f = try GoldenFixture.load("llama-tiny")
        let model = TinyLlama(
            vocabulary: f.int("vocab"), dimension: f.int("dim"), heads: f.int("heads"),
            kvHeads: f.int("kv_heads"), hidden: f.int("hidden"), layers: f.int("layers"),
            maxTokens: f.int("tokens"), theta: f.config["theta"] ?? 10_000, seed: 2)
        try check(f, model: model) {
            try model.logits(f.ids, batch: f.int("batch"), tokens: f.int("tokens"))
        }
    }
}
