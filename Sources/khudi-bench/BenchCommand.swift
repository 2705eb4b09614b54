import ArgumentParser
import CBLAS
import Foundation
import KhudiCLI
import KhudiTensor

/// The `khudi-bench` command: Khudi's side of the benchmarks under scripts/bench/.
///
/// It prints one JSON object per line; the scripts run the peers in the same invocation and
/// print the ratios.
///
/// This executable imports CBLAS directly (the one place outside `Kernels/MatrixMultiply*`) so
/// it can time raw `cblas_sgemm` as the ceiling Khudi's GEMM path is measured against.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "khudi-bench",
        abstract: "Khudi's half of the benchmarks in scripts/bench (JSON lines on stdout).",
        subcommands: [
            GEMMBench.self, CoreBench.self, CleanBench.self, GenerateBench.self, TrainBench.self,
        ])
}

/// Times `matrixMultiply` against a direct `cblas_sgemm` call on the same buffers.
struct GEMMBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm",
        abstract: "GFLOP/s of Khudi's matrixMultiply and of raw cblas_sgemm on given shapes.")

    @Option(
        name: .customLong("shape"),
        help: "M,N,K[,tA][,tB] (repeatable; tA/tB mark a transposed operand).")
    var shapes: [String] = []

    @Option(help: "Minimum seconds of timed work per measurement.")
    var seconds: Double = 0.5

    @OptionGroup var threadOptions: ThreadOptions

    func run() throws {
        let threads = threadOptions.apply()
        for text in shapes {
            let shape = try GEMMShape(parsing: text)
            var a = [Float](repeating: 0, count: shape.m * shape.k)
            var b = [Float](repeating: 0, count: shape.k * shape.n)
            var out = [Float](repeating: 0, count: shape.m * shape.n)
            for i in a.indices { a[i] = Float((i * 7919) % 1000) / 1000 - 0.5 }
            for i in b.indices { b[i] = Float((i * 104_729) % 1000) / 1000 - 0.5 }

            // Alternating, so both sides see the same load from other tenants.
            let khudiStep = {
                out.withUnsafeMutableBufferPointer { o in
                    a.withUnsafeBufferPointer { a in
                        b.withUnsafeBufferPointer { b in
                            matrixMultiply(
                                o, a, b, m: shape.m, n: shape.n, k: shape.k,
                                transposeA: shape.transposeA ? .transposed : .none,
                                transposeB: shape.transposeB ? .transposed : .none)
                        }
                    }
                }
            }
            let best = try Self.bestSecondsInterleaved(
                minimum: seconds, [khudiStep, { shape.rawSGEMM(&out, a, b) }])
            let (khudi, raw) = (best[0], best[1])
            let flops = 2.0 * Double(shape.m) * Double(shape.n) * Double(shape.k)
            let line: [String: Any] = [
                "bench": "gemm", "shape": text, "threads": threads,
                "khudi_gflops": flops / khudi / 1e9, "cblas_gflops": flops / raw / 1e9,
            ]
            let data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }

    /// The fastest run of each body, running them in turn, one run each per round.
    ///
    /// Rounds continue until the first body has had `minimum` seconds of timed work and every
    /// body at least three runs. Alternating lets bodies that are compared with each other share the machine's load.
    static func bestSecondsInterleaved(
        minimum: Double, _ bodies: [() throws -> Void]
    ) throws -> [Double] {
        for body in bodies { try body() }  // warm-up: page in buffers, start BLAS threads
        var best = [Double](repeating: .infinity, count: bodies.count)
        var spent = 0.0
        var runs = 0
        while spent < minimum || runs < 3 {
            for (index, body) in bodies.enumerated() {
                let start = DispatchTime.now().uptimeNanoseconds
                try body()
                let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                best[index] = min(best[index], elapsed)
                if index == 0 { spent += elapsed }
            }
            runs += 1
        }
        return best
    }
}

/// A GEMM shape from the command line: `M,N,K` plus optional `tA`/`tB` flags.
struct GEMMShape {
    var m: Int, n: Int, k: Int
    var transposeA = false, transposeB = false

    init(m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false) {
        (self.m, self.n, self.k) = (m, n, k)
        (self.transposeA, self.transposeB) = (transposeA, transposeB)
    }

    init(parsing text: String) throws {
        let parts = text.split(separator: ",").map(String.init)
        let numbers = parts.prefix(3).compactMap { Int($0) }
        guard numbers.count == 3, numbers.allSatisfy({ $0 > 0 }),
            parts.dropFirst(3).allSatisfy({ $0 == "tA" || $0 == "tB" })
        else {
            throw ValidationError("--shape '\(text)': expected M,N,K[,tA][,tB] with positive sizes")
        }
        (m, n, k) = (numbers[0], numbers[1], numbers[2])
        transposeA = parts.contains("tA")
        transposeB = parts.contains("tB")
    }
}

extension GEMMShape {
    /// `out = op(a)·op(b)` as one direct `cblas_sgemm` call, the ceiling for Khudi's GEMM path.
    func rawSGEMM(_ out: inout [Float], _ a: [Float], _ b: [Float]) {
        BLASLibrary.require()
        khudi_cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), 1,
            a, Int32(transposeA ? m : k),
            b, Int32(transposeB ? k : n), 0,
            &out, Int32(n))
    }
}

/// A sequence of GEMMs (a layer's forward and backward products) on buffers of their own,
/// timed back to back as raw `cblas_sgemm` calls.
struct RawGEMMSequence {
    var shapes: [GEMMShape]
    var operands: [(a: [Float], b: [Float], out: [Float])]

    init(_ shapes: [GEMMShape]) {
        self.shapes = shapes
        operands = shapes.map { shape in
            let a = (0..<(shape.m * shape.k)).map { Float(($0 * 7919) % 1000) / 1000 - 0.5 }
            let b = (0..<(shape.k * shape.n)).map { Float(($0 * 104_729) % 1000) / 1000 - 0.5 }
            return (a, b, [Float](repeating: 0, count: shape.m * shape.n))
        }
    }

    /// Runs every GEMM of the sequence once.
    mutating func run() {
        for index in shapes.indices {
            shapes[index].rawSGEMM(&operands[index].out, operands[index].a, operands[index].b)
        }
    }
}
