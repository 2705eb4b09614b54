import Foundation
import Testing

@testable import KhudiTensor

/// The element-wise kernels run eight lanes at a time with a scalar tail; an element's value must
/// not depend on which of the two paths computed it.
@Suite struct FloatLanesTests {
    /// 19 inputs (two groups of eight and a tail of three) spanning both saturated ends of exp.
    let inputs: [Float] = (0..<19).map { Float($0) * 9.7 - 95 }

    /// Runs `kernel` once over all of `inputs` (mostly lanes) and once per element (n = 1, the
    /// scalar path), and expects the same bits.
    func expectLaneIndependent(
        _ name: String,
        _ kernel: (UnsafeMutablePointer<Float>, UnsafePointer<Float>, Int) -> Void,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let scaled = inputs.map { $0 / 20 }
        var whole = [Float](repeating: 0.25, count: scaled.count)
        kernel(&whole, scaled, scaled.count)
        for (i, v) in scaled.enumerated() {
            var alone: Float = 0.25
            withUnsafePointer(to: v) { x in kernel(&alone, x, 1) }
            #expect(
                alone.bitPattern == whole[i].bitPattern, "\(name) at \(v): \(alone) vs \(whole[i])",
                sourceLocation: sourceLocation)
        }
    }

    @Test func exponentialIsTheSameInLanesAndAlone() {
        for start in stride(from: 0, to: inputs.count - 8, by: 8) {
            let lanes = fastExp(Float8(SIMD8(inputs[start..<start + 8])))
            for lane in 0..<8 {
                let alone = fastExp(inputs[start + lane])
                #expect(
                    lanes.lanes[lane].bitPattern == alone.bitPattern, "exp(\(inputs[start + lane]))"
                )
            }
        }
        #expect(fastExp(Float8(broadcasting: .nan)).lanes[3].isNaN, "NaN stays NaN in lanes")
        #expect(fastExp(Float.nan).isNaN, "NaN stays NaN alone")
        #expect(abs(fastExp(Float(1)) - Float(M_E)) < 1e-6)
    }

    @Test func activationKernelsGiveEachElementTheSameValueOnEitherPath() {
        expectLaneIndependent("gelu") { out, x, n in geluForward(out, x, n: n) }
        expectLaneIndependent("silu") { out, x, n in siluForward(out, x, n: n) }
        expectLaneIndependent("gelu backward") { dX, x, n in
            geluBackward(dX, x, x, n: n, accumulate: true)
        }
        expectLaneIndependent("silu backward") { dX, x, n in siluBackward(dX, x, x, n: n) }
        expectLaneIndependent("swiglu") { out, x, n in swigluForward(out, x, x, n: n) }
    }

    @Test func crossEntropyGradientIsTheSameInLanesAndTail() {
        // One row of 19 logits: positions 0..<16 go through lanes, 16..<19 through the tail.
        let logits = inputs.map { $0 / 30 }
        var losses: [Float] = [0]
        var logSumExp: [Float] = [0]
        var gradient = [Float](repeating: 0, count: logits.count)
        let target: [Int32] = [4]
        crossEntropyForward(
            &losses, &logSumExp, logits, target, rows: 1, vocabulary: 19, ignoreIndex: -100)
        crossEntropyBackward(
            &gradient, logits, logSumExp, target, scale: 1, rows: 1, vocabulary: 19,
            ignoreIndex: -100)
        let lse = logSumExp[0]
        let reference = log(logits.reduce(0.0) { $0 + exp(Double($1)) })
        #expect(abs(Double(lse) - reference) < 1e-5)
        for (j, value) in logits.enumerated() {
            let expected = fastExp(value - lse) - (j == 4 ? 1 : 0)
            #expect(gradient[j].bitPattern == expected.bitPattern, "logit \(j)")
        }
    }
}
