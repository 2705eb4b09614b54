import ArgumentParser
import Foundation
import KhudiCLI
import KhudiNN
import KhudiTensor

/// Times forward + backward of the core's ops and of whole blocks on the shapes of the models Khudi
/// trains here (batch 8 × 256 tokens).
///
/// Prints one JSON line per case with the best time.
struct CoreBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "core",
        abstract:
            "Forward+backward seconds of ops and blocks (scripts/bench/core runs PyTorch too).")

    @Option(help: "Case names to run (default: all). Use --list to see them.")
    var cases: [String] = []

    @Flag(help: "List the case names and exit.")
    var list = false

    @Option(help: "Minimum seconds of timed work per case.")
    var seconds: Double = 1

    @OptionGroup var threadOptions: ThreadOptions

    func run() throws {
        if list {
            print(CoreCases.all.map(\.name).joined(separator: "\n"))
            return
        }
        let threads = threadOptions.apply()
        let selected =
            cases.isEmpty
            ? CoreCases.all
            : try cases.map { name in
                guard let found = CoreCases.all.first(where: { $0.name == name }) else {
                    throw ValidationError("unknown case '\(name)' (see --list)")
                }
                return found
            }
        for benchCase in selected {
            // A pool of its own per case, so its counters show what steady-state steps allocate.
            let pool = BufferPool()
            var raw = RawGEMMSequence(benchCase.gemms)
            let (best, fresh, heapGrowth) = try BufferPool.$current.withValue(pool) {
                let step = try benchCase.make()
                try step()
                try step()
                let warm = pool.statistics.freshFloats
                let residentBefore = residentBytes()
                // The raw GEMMs (if any) alternate with Khudi's steps, so both see the same
                // machine: load from other tenants here moves timings by ±20% over seconds.
                let best = try GEMMBench.bestSecondsInterleaved(
                    minimum: seconds, [{ try step() }] + (raw.shapes.isEmpty ? [] : [{ raw.run() }])
                )
                let heapGrowth = residentBytes() - residentBefore
                return (best, pool.statistics.freshFloats - warm, heapGrowth)
            }
            var line: [String: Any] = [
                "bench": "core", "case": benchCase.name, "threads": threads, "seconds": best[0],
                "flops": benchCase.flops, "fresh_floats_after_warmup": fresh,
                "resident_growth_bytes": heapGrowth,
            ]
            if best.count > 1 { line["raw_sgemm_seconds"] = best[1] }
            let data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

/// One benchmark case: builds its inputs once and returns a closure running forward+backward.
struct CoreCase {
    var name: String
    /// Floating-point operations of forward+backward (GEMM-bound cases), or 0.
    var flops: Double
    /// The GEMMs forward+backward performs (GEMM-bound cases), timed as raw `cblas_sgemm` calls
    /// for the "≥ 90% of raw sgemm" goal; empty for other cases.
    var gemms: [GEMMShape] = []
    var make: () throws -> () throws -> Void
}

enum CoreCases {
    static let rows = 8 * 256

    static func input(_ shape: [Int], seed: UInt64, trainable: Bool = true) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        let count = shape.reduce(1, *)
        return Tensor(
            (0..<count).map { _ in generator.nextNormal() * 0.5 }, shape: shape,
            requiresGradient: trainable)
    }

    /// forward, then backward from a fixed upstream gradient, then zero the gradients.
    static func step(
        _ inputs: [Tensor], _ forward: @escaping () throws -> Tensor
    ) throws -> () throws -> Void {
        let upstream = try GradientMode.withoutGradients { try forward() }
        let seed = input(upstream.shape, seed: 99, trainable: false)
        return {
            let out = try forward()
            if out.count == 1 { out.backward() } else { out.backward(gradient: seed) }
            inputs.forEach { $0.releaseGradient() }  // as PyTorch's grad = None
        }
    }

    static func linearCase(
        _ name: String, _ inFeatures: Int, _ outFeatures: Int, bias: Bool
    ) -> CoreCase {
        // Forward y = x·Wᵀ, then dX = dY·W and dW = dYᵀ·x.
        let gemms = [
            GEMMShape(m: rows, n: outFeatures, k: inFeatures, transposeB: true),
            GEMMShape(m: rows, n: inFeatures, k: outFeatures),
            GEMMShape(m: outFeatures, n: inFeatures, k: rows, transposeA: true),
        ]
        return CoreCase(
            name: name, flops: 6 * Double(rows * inFeatures * outFeatures), gemms: gemms
        ) {
            let x = input([rows, inFeatures], seed: 1)
            let w = input([outFeatures, inFeatures], seed: 2)
            let b = bias ? input([outFeatures], seed: 3) : nil
            return try step([x, w] + (b.map { [$0] } ?? [])) { linear(x, weight: w, bias: b) }
        }
    }

    static func attentionCase(_ name: String, heads: Int, kvHeads: Int) -> CoreCase {
        CoreCase(name: name, flops: 0) {
            let q = input([8, 256, heads * 64], seed: 4)
            let k = input([8, 256, kvHeads * 64], seed: 5)
            let v = input([8, 256, kvHeads * 64], seed: 6)
            return try step([q, k, v]) {
                causalAttention(query: q, key: k, value: v, queryHeads: heads, kvHeads: kvHeads)
            }
        }
    }

    nonisolated(unsafe) static let all: [CoreCase] = [
        linearCase("linear-gpt2-qkv-384x1152", 384, 1152, bias: true),
        linearCase("linear-gpt2-mlp-up-384x1536", 384, 1536, bias: true),
        linearCase("linear-gpt2-mlp-down-1536x384", 1536, 384, bias: true),
        linearCase("linear-lm-head-384x16384", 384, 16384, bias: false),
        linearCase("linear-llama-q-512x512", 512, 512, bias: false),
        linearCase("linear-llama-kv-512x256", 512, 256, bias: false),
        linearCase("linear-llama-gate-512x1376", 512, 1376, bias: false),
        linearCase("linear-llama-down-1376x512", 1376, 512, bias: false),
        attentionCase("attention-gpt2-6x64", heads: 6, kvHeads: 6),
        attentionCase("attention-llama-gqa-8x4x64", heads: 8, kvHeads: 4),
        CoreCase(name: "layernorm-2048x384", flops: 0) {
            let x = input([rows, 384], seed: 7)
            let w = input([384], seed: 8)
            let b = input([384], seed: 9)
            return try step([x, w, b]) { layerNorm(x, weight: w, bias: b) }
        },
        CoreCase(name: "rmsnorm-2048x512", flops: 0) {
            let x = input([rows, 512], seed: 10)
            let w = input([512], seed: 11)
            return try step([x, w]) { rmsNorm(x, weight: w) }
        },
        CoreCase(name: "gelu-2048x1536", flops: 0) {
            let x = input([rows, 1536], seed: 12)
            return try step([x]) { gelu(x) }
        },
        CoreCase(name: "swiglu-2048x1376", flops: 0) {
            let g = input([rows, 1376], seed: 13)
            let u = input([rows, 1376], seed: 14)
            return try step([g, u]) { swiglu(gate: g, up: u) }
        },
        CoreCase(name: "cross-entropy-2048x16384", flops: 0) {
            let logits = input([rows, 16384], seed: 15)
            let targets = (0..<rows).map { Int32(($0 * 7919) % 16384) }
            return try step([logits]) { try crossEntropy(logits, targets: targets) }
        },
        CoreCase(name: "block-gpt2-384", flops: 0) {
            var generator = SeededGenerator(seed: 16)
            let block = GPT2Block(
                GPT2BlockConfiguration(dimension: 384, heads: 6, layerCount: 6),
                generator: &generator)
            let store = ParameterStore(block)
            let x = input([8, 256, 384], seed: 17)
            let run = try step([x]) { block(x) }
            return {
                try run()
                store.zeroGradients()
            }
        },
        CoreCase(name: "block-llama-512", flops: 0) {
            var generator = SeededGenerator(seed: 18)
            let block = LlamaBlock(
                LlamaBlockConfiguration(
                    dimension: 512, heads: 8, kvHeads: 4, hiddenDimension: 1376),
                generator: &generator)
            let store = ParameterStore(block)
            let rope = RotaryTable(headDim: 64, maxPositions: 256)
            let x = input([8, 256, 512], seed: 19)
            let run = try step([x]) { block(x, rope: rope) }
            return {
                try run()
                store.zeroGradients()
            }
        },
    ]
}

/// This process's resident memory in bytes, from /proc/self/statm (0 where unavailable).
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else {
        return 0
    }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}
