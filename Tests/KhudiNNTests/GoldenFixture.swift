import Foundation
import KhudiNN
import KhudiTensor

/// A fixture written by scripts/fixtures/make_core_golden.py (format "khudi-golden/1"):
/// a tiny model's parameters, one batch, and what PyTorch computed from them.
struct GoldenFixture: Decodable {
    struct Values: Decodable {
        var shape: [Int]
        var values: [Float]
    }
    struct Optimizer: Decodable {
        var steps: Int
        var peak: Float
        var floor: Float
        var warmup: Int
        var total: Int
        var maxNorm: Float
        var weightDecay: Float
        var beta1: Float
        var beta2: Float
        var eps: Float

        enum CodingKeys: String, CodingKey {
            case steps, peak, floor, warmup, total, beta1, beta2, eps
            case maxNorm = "max_norm"
            case weightDecay = "weight_decay"
        }
    }

    var format: String
    var torch: String
    var config: [String: Double]
    var optimizer: Optimizer
    var ids: [Int32]
    var targets: [Int32]
    var parameters: [String: Values]
    var logits: Values
    var losses: [Float]
    var gradientNorms: [Float]
    var gradients: [String: [Float]]
    var afterSteps: [String: [Float]]

    enum CodingKeys: String, CodingKey {
        case format, torch, config, optimizer, ids, targets, parameters, logits, losses, gradients
        case gradientNorms = "gradient_norms"
        case afterSteps = "after_steps"
    }

    /// Loads `Fixtures/NAME.json` beside this file; regenerate with the script above.
    static func load(_ name: String) throws -> GoldenFixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/\(name).json")
        let fixture = try JSONDecoder().decode(GoldenFixture.self, from: Data(contentsOf: url))
        guard fixture.format == "khudi-golden/1" else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: url.path])
        }
        return fixture
    }

    func int(_ key: String) -> Int { Int(config[key] ?? 0) }

    /// Copies the fixture's initial values into every parameter of `module`, by name.
    func loadParameters(into module: any Module) {
        for (name, tensor) in module.namedParameters {
            guard let stored = parameters[name] else { fatalError("fixture lacks \(name)") }
            precondition(
                stored.shape == tensor.shape, "\(name): \(stored.shape) vs \(tensor.shape)")
            for (i, value) in stored.values.enumerated() { tensor.data[i] = value }
        }
    }
}

/// max |actual − expected| / max |expected|: the error relative to the tensor's scale.
func scaledError(_ actual: [Float], _ expected: [Float]) -> Float {
    precondition(actual.count == expected.count, "sizes \(actual.count) and \(expected.count)")
    let scale = expected.map(abs).max() ?? 0
    let worst = zip(actual, expected).map { abs($0 - $1) }.max() ?? 0
    return scale == 0 ? worst : worst / scale
}

/// GPT-2 with learned positions and a head tied to the token embedding, names as in HF.
final class TinyGPT2: Module {
    let tokenEmbedding: Embedding
    let positionEmbedding: Embedding
    let blocks: [GPT2Block]
    let finalNorm: LayerNorm

    init(vocabulary: Int, positions: Int, dimension: Int, heads: Int, layers: Int, seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        tokenEmbedding = Embedding(
            count: vocabulary, dimension: dimension,
            initialization: .normal(standardDeviation: 0.02), generator: &generator)
        positionEmbedding = Embedding(
            count: positions, dimension: dimension,
            initialization: .normal(standardDeviation: 0.01), generator: &generator)
        let configuration = GPT2BlockConfiguration(
            dimension: dimension, heads: heads, layerCount: layers)
        blocks = (0..<layers).map { _ in GPT2Block(configuration, generator: &generator) }
        finalNorm = LayerNorm(dimension: dimension)
    }

    var namedParameters: [(name: String, tensor: Tensor)] {
        var list =
            parameters(of: tokenEmbedding, prefix: "wte")
            + parameters(of: positionEmbedding, prefix: "wpe")
        for (i, block) in blocks.enumerated() { list += parameters(of: block, prefix: "h.\(i)") }
        return list + parameters(of: finalNorm, prefix: "ln_f")
    }

    func logits(
        _ ids: [Int32], batch: Int, tokens: Int, dropoutSeed: UInt64? = nil
    ) throws -> Tensor {
        var x =
            try tokenEmbedding(ids, shape: [batch, tokens])
            + positionEmbedding((0..<Int32(tokens)).map { $0 }, shape: [tokens])
        for (i, block) in blocks.enumerated() {
            x = block(x, dropoutSeed: dropoutSeed.map { $0 &+ UInt64(i) * 2 })
        }
        return linear(finalNorm(x), weight: tokenEmbedding.weight)
    }
}

/// Llama with RoPE, grouped-query attention, SwiGLU and an untied head, names as in HF.
final class TinyLlama: Module {
    let tokenEmbedding: Embedding
    let blocks: [LlamaBlock]
    let finalNorm: RMSNorm
    let head: Linear
    let rope: RotaryTable

    init(
        vocabulary: Int, dimension: Int, heads: Int, kvHeads: Int, hidden: Int, layers: Int,
        maxTokens: Int, theta: Double, seed: UInt64
    ) {
        var generator = SeededGenerator(seed: seed)
        tokenEmbedding = Embedding(
            count: vocabulary, dimension: dimension,
            initialization: .normal(standardDeviation: 0.02), generator: &generator)
        let configuration = LlamaBlockConfiguration(
            dimension: dimension, heads: heads, kvHeads: kvHeads, hiddenDimension: hidden)
        blocks = (0..<layers).map { _ in LlamaBlock(configuration, generator: &generator) }
        finalNorm = RMSNorm(dimension: dimension)
        head = Linear(
            inFeatures: dimension, outFeatures: vocabulary, bias: false,
            initialization: .normal(standardDeviation: 0.02), generator: &generator)
        rope = RotaryTable(headDim: dimension / heads, maxPositions: maxTokens, theta: theta)
    }

    var namedParameters: [(name: String, tensor: Tensor)] {
        var list = parameters(of: tokenEmbedding, prefix: "model.embed_tokens")
        for (i, block) in blocks.enumerated() {
            list += parameters(of: block, prefix: "model.layers.\(i)")
        }
        return list + parameters(of: finalNorm, prefix: "model.norm")
            + parameters(of: head, prefix: "lm_head")
    }

    func logits(_ ids: [Int32], batch: Int, tokens: Int) throws -> Tensor {
        var x = try tokenEmbedding(ids, shape: [batch, tokens])
        for block in blocks { x = block(x, rope: rope) }
        return head(finalNorm(x))
    }
}
