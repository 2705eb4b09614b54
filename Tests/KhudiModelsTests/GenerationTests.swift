import Foundation
import KhudiNN
import KhudiTensor
import Testing

@testable import KhudiModels

@Suite struct GenerationTests {
    static let fixtures = ["gpt2-tiny", "llama-tiny", "qwen2-tiny"]

    func model(_ name: String) throws -> any LanguageModel {
        let directory = ModelGolden.directory.appendingPathComponent(name).path
        return name.hasPrefix("gpt2")
            ? try GPT2Model.load(directory: directory) : try LlamaModel.load(directory: directory)
    }

    func largestDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? .infinity
    }

    /// The prompt at once into an empty cache, then one token at a time: every step's logits
    /// equal a full recomputation of the prefix without a cache.
    @Test(arguments: fixtures)
    func cachedLogitsEqualRecomputation(_ name: String) throws {
        let model = try model(name)
        let tokens: [Int32] = [5, 17, 42, 8, 91, 3, 77, 60, 12, 33, 1, 2, 3, 4]
        let full = try GradientMode.withoutGradients {
            try model.logits(tokens, batch: 1, length: tokens.count).values
        }
        let caches = model.makeCaches(batch: 1, capacity: nil)
        let prompt = try model.logits(Array(tokens.prefix(6)), batch: 1, length: 6, caches: caches)
        #expect(
            largestDifference(prompt.values, Array(full.prefix(6 * model.vocabularySize))) < 1e-5)
        for position in 6..<tokens.count {
            let step = try model.logits([tokens[position]], batch: 1, length: 1, caches: caches)
            let expected = full[
                (position * model.vocabularySize)..<((position + 1) * model.vocabularySize)]
            #expect(
                largestDifference(step.values, Array(expected)) < 1e-5,
                "\(name) position \(position)")
        }
        #expect(caches.allSatisfy { $0.length == tokens.count })
    }

    /// Single-token steps from bfloat16 weight copies stay within bfloat16's rounding of the
    /// Float32 logits; prompts keep the Float32 path exactly.
    @Test(arguments: fixtures)
    func bfloat16DecodingStaysCloseToFloat32(_ name: String) throws {
        let exact = try model(name)
        let halved = try model(name)
        halved.useBFloat16Decoding()
        let tokens: [Int32] = [5, 17, 42, 8, 91, 3, 77, 60]
        let (a, b) = (
            exact.makeCaches(batch: 1, capacity: nil), halved.makeCaches(batch: 1, capacity: nil)
        )
        let promptA = try exact.logits(Array(tokens.prefix(6)), batch: 1, length: 6, caches: a)
        let promptB = try halved.logits(Array(tokens.prefix(6)), batch: 1, length: 6, caches: b)
        #expect(promptA.values == promptB.values)
        for token in tokens.suffix(2) {
            let stepA = try exact.logits([token], batch: 1, length: 1, caches: a).values
            let stepB = try halved.logits([token], batch: 1, length: 1, caches: b).values
            let scale = stepA.map(abs).max() ?? 1
            let worst = zip(stepA, stepB).map { abs($0 - $1) }.max() ?? 0
            #expect(worst > 0 && worst < 0.03 * scale, "\(name): \(worst) of \(scale)")
        }
    }

    @Test(arguments: fixtures)
    func greedyGenerationMatchesTransformers(_ name: String) throws {
        let golden = try ModelGolden.load(name)
        var options = GenerationOptions()
        options.maximumNewTokens = golden.greedy.count
        let output = try Generator(model: try model(name), options: options).generate([
            golden.prompts[0]
        ])
        #expect(output == [golden.greedy])
    }

    @Test func samplingIsSeededAndReducesToGreedyWhenOnlyOneTokenIsKept() throws {
        let model = try model("llama-tiny")
        let golden = try ModelGolden.load("llama-tiny")
        var options = GenerationOptions()
        options.maximumNewTokens = 12
        options.temperature = 1.5
        options.seed = 7
        let prompts = [golden.prompts[0], golden.prompts[1]]
        let first = try Generator(model: model, options: options).generate(prompts)
        #expect(try Generator(model: model, options: options).generate(prompts) == first)
        // Each prompt has its own stream: generating one alone gives the same tokens.
        #expect(try Generator(model: model, options: options).generate([prompts[0]]) == [first[0]])
        options.seed = 8
        #expect(try Generator(model: model, options: options).generate(prompts) != first)
        var greedy = GenerationOptions()
        greedy.maximumNewTokens = 8
        let expected = try Generator(model: model, options: greedy).generate([prompts[0]])
        options.maximumNewTokens = 8
        options.topK = 1
        #expect(try Generator(model: model, options: options).generate([prompts[0]]) == expected)
        options.topK = 0
        options.topP = 1e-6
        #expect(try Generator(model: model, options: options).generate([prompts[0]]) == expected)
    }

    @Test func stopTokensAndCallbacksEndASequence() throws {
        let golden = try ModelGolden.load("qwen2-tiny")
        let model = try model("qwen2-tiny")
        var options = GenerationOptions()
        options.maximumNewTokens = golden.greedy.count
        options.stopTokens = [golden.greedy[2]]
        let stopped = try Generator(model: model, options: options).generate([golden.prompts[0]])
        let firstStop = golden.greedy.firstIndex(of: golden.greedy[2])!
        #expect(stopped == [Array(golden.greedy.prefix(firstStop + 1))])
        options.stopTokens = []
        var streamed: [Int32] = []
        let early = try Generator(model: model, options: options).generate([golden.prompts[0]]) {
            _, token in
            streamed.append(token)
            return streamed.count < 3
        }
        #expect(early == [Array(golden.greedy.prefix(3))])
        #expect(streamed == early[0])
    }

    /// Sequences at different positions in one step: each row's logits equal that sequence
    /// stepped alone, and the last-position-only prompt pass equals the full pass's last row.
    @Test(arguments: fixtures)
    func raggedStepsEqualStepsAlone(_ name: String) throws {
        let model = try model(name)
        let prompts: [[Int32]] = [[5, 17, 42], [8, 91, 3, 77, 60, 12], [33]]
        let vocabulary = model.vocabularySize
        var together: [[KeyValueCache]] = []
        var alone: [[KeyValueCache]] = []
        for prompt in prompts {
            let (a, b) = (
                model.makeCaches(batch: 1, capacity: 12), model.makeCaches(batch: 1, capacity: 12)
            )
            let full = try model.logits(prompt, batch: 1, length: prompt.count, caches: a).values
            let last = try model.logits(
                prompt, length: prompt.count, following: [b], lastPositionOnly: true)
            #expect(last.shape == [1, 1, vocabulary])
            #expect(largestDifference(last.values, Array(full.suffix(vocabulary))) < 1e-6)
            alone.append(a)
            together.append(b)
        }
        for step: Int32 in 0..<3 {
            let tokens = prompts.indices.map { Int32($0) * 11 + step + 1 }
            let joint = try model.logits(
                tokens, length: 1, following: together, lastPositionOnly: true)
            #expect(joint.shape == [3, 1, vocabulary])
            for (row, caches) in alone.enumerated() {
                let single = try model.logits([tokens[row]], batch: 1, length: 1, caches: caches)
                let part = Array(joint.values[(row * vocabulary)..<((row + 1) * vocabulary)])
                #expect(largestDifference(part, single.values) < 1e-5, "\(name) row \(row)")
            }
        }
        #expect(together.map { $0[0].length } == [6, 9, 4])
        // A group that is not one cache per block is refused, naming the group.
        #expect(throws: ModelError.self) {
            try model.logits(
                [1, 2], length: 1, following: [together[0], [together[1][0]]],
                lastPositionOnly: true)
        }
        #expect(throws: ModelError.self) {
            try model.logits([1], length: 1, following: together, lastPositionOnly: true)
        }
    }

    /// Prompts of different lengths decoded together give exactly the tokens each gives alone
    /// (greedy and sampled), with sequences leaving the batch at different steps.
    @Test(arguments: fixtures)
    func batchedGenerationEqualsOneAtATime(_ name: String) throws {
        let model = try model(name)
        let prompts: [[Int32]] = [[5, 17, 42, 8], [91], [3, 77, 60, 12, 33, 1, 2], [9, 9]]
        for temperature: Float in [0, 1.2] {
            var options = GenerationOptions()
            options.maximumNewTokens = 10
            options.temperature = temperature
            options.seed = 3
            options.batchSize = 1
            let single = try Generator(model: model, options: options).generate(prompts)
            // A stop token that ends some sequences early and not others.
            options.stopTokens = [single[1][2]]
            let stopped = try Generator(model: model, options: options).generate(prompts)
            for batchSize in [3, 8] {
                options.batchSize = batchSize
                options.stopTokens = []
                #expect(try Generator(model: model, options: options).generate(prompts) == single)
                options.stopTokens = [single[1][2]]
                #expect(try Generator(model: model, options: options).generate(prompts) == stopped)
            }
            #expect(stopped[1].count == single[1].firstIndex(of: single[1][2])! + 1)
            #expect(single.allSatisfy { $0.count == 10 })
        }
    }

    @Test func logitsProcessorsFollowTransformers() {
        // CTRL penalty: positive logits divided, negative multiplied, only for seen tokens.
        #expect(Sampling.penalized([2, -2, 2], seen: [0, 1], penalty: 2) == [1, -4, 2])
        #expect(Sampling.keepingTopK([1, 3, 2, 3], 2) == [-.infinity, 3, -.infinity, 3])
        // Probabilities ≈ [0.64, 0.24, 0.09, 0.03]: p = 0.8 keeps the first two.
        let kept = Sampling.keepingTopP([3, 2, 1, 0], 0.8)
        #expect(kept[0] == 3 && kept[1] == 2 && kept[2] == -.infinity && kept[3] == -.infinity)
        var random = SeededGenerator(seed: 1)
        #expect((0..<50).allSatisfy { _ in Sampling.draw([0, 1, 0], using: &random) == 1 })
        #expect(Sampling.argmax([1, 5, 5, 2]) == 1)
    }

    @Test func badSettingsAndPromptsAreRefused() throws {
        let model = try model("gpt2-tiny")
        var options = GenerationOptions()
        options.temperature = -1
        #expect(throws: ModelError.self) {
            try Generator(model: model, options: options).generate([[1]])
        }
        options = GenerationOptions()
        options.batchSize = 0
        #expect(throws: ModelError.badInput("batch size must be at least 1 (got 0)")) {
            try Generator(model: model, options: options).generate([[1]])
        }
        options = GenerationOptions()
        options.topP = 0
        #expect(throws: ModelError.self) {
            try Generator(model: model, options: options).generate([[1]])
        }
        #expect(throws: ModelError.badInput("prompt 0 has no tokens")) {
            try Generator(model: model).generate([[]])
        }
        #expect(throws: ModelError.self) {
            try Generator(model: model).generate([[Int32](repeating: 1, count: 33)])
        }
        let caches = model.makeCaches(batch: 1, capacity: 4)
        #expect(throws: ModelError.self) {
            try model.logits([1, 2, 3, 4, 5], batch: 1, length: 5, caches: caches)
        }
    }

    @Test func aFullContextEndsGeneration() throws {
        let model = try model("gpt2-tiny")  // context 32
        var options = GenerationOptions()
        options.maximumNewTokens = 10
        let output = try Generator(model: model, options: options).generate([
            [Int32](repeating: 7, count: 30)
        ])
        // 30 prompt tokens + 2 fed back fill the 32 positions; the third token is the last.
        #expect(output[0].count == 3)
    }
}

/// Packed documents with document masking compute exactly what each document computes alone.
@Suite struct DocumentMaskingTests {
    @Test(arguments: GenerationTests.fixtures)
    func packedDocumentsEqualDocumentsAlone(_ name: String) throws {
        let directory = ModelGolden.directory.appendingPathComponent(name).path
        let model: any LanguageModel =
            name.hasPrefix("gpt2")
            ? try GPT2Model.load(directory: directory) : try LlamaModel.load(directory: directory)
        let first: [Int32] = [5, 17, 42, 95]  // 95 ends a document in these fixtures
        let second: [Int32] = [8, 91, 3, 77, 60]
        let packed = first + second
        let vocabulary = model.vocabularySize
        let layout = DocumentLayout(ids: packed, batch: 1, length: 9, separator: 95)
        let together = try GradientMode.withoutGradients {
            try model.logits(packed, batch: 1, length: 9, documents: layout).values
        }
        for (document, offset) in [(first, 0), (second, 4)] {
            let alone = try GradientMode.withoutGradients {
                try model.logits(document, batch: 1, length: document.count).values
            }
            let part = Array(
                together[(offset * vocabulary)..<((offset + document.count) * vocabulary)])
            let worst = zip(part, alone).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 1
            #expect(worst < 1e-5, "\(name) document at \(offset): \(worst)")
        }
        // Without masking the second document sees the first.
        let unmasked = try GradientMode.withoutGradients {
            try model.logits(packed, batch: 1, length: 9).values
        }
        #expect(unmasked[(4 * vocabulary)...] != together[(4 * vocabulary)...])
    }
}
