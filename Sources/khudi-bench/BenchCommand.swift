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
        subcommands: [GEMMBench.self, CoreBench.self, CleanBench.self])
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

            let khudi = Self.bestSeconds(minimum: seconds) {
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
            let raw = Self.bestSeconds(minimum: seconds) {
                cblas_sgemm(
                    CblasRowMajor, shape.transposeA ? CblasTrans : CblasNoTrans,
                    shape.transposeB ? CblasTrans : CblasNoTrans,
                    Int32(shape.m), Int32(shape.n), Int32(shape.k), 1,
                    a, Int32(shape.transposeA ? shape.m : shape.k),
                    b, Int32(shape.transposeB ? shape.k : shape.n), 0,
                    &out, Int32(shape.n))
            }
            let flops = 2.0 * Double(shape.m) * Double(shape.n) * Double(shape.k)
            let line: [String: Any] = [
                "bench": "gemm", "shape": text, "threads": threads,
                "khudi_gflops": flops / khudi / 1e9, "cblas_gflops": flops / raw / 1e9,
            ]
            let data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }

    /// The fastest of repeated runs, repeating until `minimum` seconds of work were timed.
    static func bestSeconds(minimum: Double, _ body: () throws -> Void) rethrows -> Double {
        try body()  // warm-up: page in buffers, start BLAS threads
        var best = Double.infinity
        var spent = 0.0
        var runs = 0
        while spent < minimum || runs < 3 {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            best = min(best, elapsed)
            spent += elapsed
            runs += 1
        }
        return best
    }
}

/// A GEMM shape from the command line: `M,N,K` plus optional `tA`/`tB` flags.
struct GEMMShape {
    var m: Int, n: Int, k: Int
    var transposeA = false, transposeB = false

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
