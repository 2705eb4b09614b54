import Foundation
import KhudiTensor
import Testing
import _KhudiTestSupport

/// Each op's forward pass on inputs small enough to compute by hand.
@Suite struct ForwardValueTests {
    func expectValues(
        _ tensor: Tensor, _ expected: [Float], tolerance: Float = 1e-5,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(
            firstMismatch(tensor.values, expected, relative: tolerance, absolute: tolerance) == nil,
            "\(tensor.values) vs \(expected)", sourceLocation: sourceLocation)
    }

    @Test func broadcastArithmetic() {
        let a = Tensor([1, 2, 3, 4], shape: [2, 2])
        let b = Tensor([10, 20], shape: [2])
        expectValues(a + b, [11, 22, 13, 24])
        expectValues(a * b, [10, 40, 30, 80])
        expectValues(a - a * 2, [-1, -2, -3, -4])
        expectValues(sum(a), [10])
        expectValues(mean(a), [2.5])
    }

    @Test func activations() {
        // gelu(1) = 0.5·(1 + tanh(0.7978846·1.044715)); silu(1) = σ(1)
        expectValues(gelu(Tensor([0, 1, -1], shape: [3])), [0, 0.841_192, -0.158_808])
        expectValues(silu(Tensor([0, 1], shape: [2])), [0, 0.731_059])
        expectValues(
            softmax(Tensor([1, 2, 3], shape: [1, 3])), [0.090_031, 0.244_728, 0.665_241])
        expectValues(log(Tensor([1, Float(M_E)], shape: [2])), [0, 1])
        expectValues(exp(Tensor([0, 1], shape: [2])), [1, 2.718_282])
    }

    @Test func normalizations() {
        let x = Tensor([1, 2, 3, 4], shape: [1, 4])
        let ones = Tensor(repeating: 1, shape: [4])
        // mean 2.5, variance 1.25: (x − 2.5)/√1.25001
        expectValues(
            layerNorm(x, weight: ones, bias: Tensor(repeating: 0.5, shape: [4])),
            [-0.841_635, 0.052_788, 0.947_212, 1.841_635])
        // mean square 7.5: x/√7.50001
        expectValues(rmsNorm(x, weight: ones), [0.365_148, 0.730_297, 1.095_445, 1.460_593])
    }

    @Test func lookupsAndLosses() throws {
        let table = Tensor([0, 1, 10, 11, 20, 21], shape: [3, 2])
        expectValues(try embedding([2, 0, 2], shape: [3], table: table), [20, 21, 0, 1, 20, 21])
        let logits = Tensor([0, 0, 0, 1, 2, 3], shape: [2, 3])
        // row 0: ln 3; row 1: logsumexp(1,2,3) − 3 = 0.407606
        expectValues(try crossEntropy(logits, targets: [1, 2]), [(1.098_612 + 0.407_606) / 2])
        expectValues(try crossEntropy(logits, targets: [1, -100]), [1.098_612])
        expectValues(try crossEntropy(logits, targets: [1, 2], reduction: .sum), [1.506_218])
        expectValues(try crossEntropy(logits, targets: [-100, -100]), [0])
    }

    @Test func rotaryRotatesEachPairByPositionTimesFrequency() {
        // headDim 2, θ irrelevant (frequency 1 for i = 0): position p rotates (x, y) by p radians.
        let table = RotaryTable(headDim: 2, maxPositions: 3, theta: 10_000)
        let x = Tensor([1, 0, 1, 0, 0, 1], shape: [1, 3, 2])
        expectValues(rotary(x, table: table, heads: 1), [1, 0, cos(1), sin(1), -sin(2), cos(2)])
    }

    @Test func attentionOfTheFirstTokenIsItsValue() {
        // Token 0 sees only itself; token 1 averages v0, v1 with weights softmax(q1·k0, q1·k1)/√d.
        let q = Tensor([0, 0, 1, 0], shape: [1, 2, 2])
        let k = Tensor([1, 0, 0, 0], shape: [1, 2, 2])
        let v = Tensor([1, 2, 3, 4], shape: [1, 2, 2])
        let w0 = 1 / (1 + exp(-Float(1) / sqrt(2)))
        expectValues(
            causalAttention(query: q, key: k, value: v, queryHeads: 1, kvHeads: 1),
            [1, 2, w0 * 1 + (1 - w0) * 3, w0 * 2 + (1 - w0) * 4])
    }

    @Test func layoutOperations() {
        let x = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        expectValues(x.transposed(0, 1), [1, 4, 2, 5, 3, 6])
        #expect(x.transposed(0, 1).shape == [3, 2])
        expectValues(x.sliced(axis: 1, 1..<3), [2, 3, 5, 6])
        expectValues(
            concatenate([x, Tensor([7, 8], shape: [2, 1])], axis: 1), [1, 2, 3, 7, 4, 5, 6, 8])
        let view = x.reshaped([3, 2])
        #expect(view.shape == [3, 2])
        expectValues(view, [1, 2, 3, 4, 5, 6])
    }

    @Test func dropoutIsSeededAndScaled() {
        let x = Tensor(repeating: 1, shape: [10_000])
        let a = dropout(x, probability: 0.25, seed: 1).values
        let b = dropout(x, probability: 0.25, seed: 1).values
        let c = dropout(x, probability: 0.25, seed: 2).values
        #expect(a == b)
        #expect(a != c)
        #expect(Set(a) == [0, Float(4) / 3])
        let kept = a.filter { $0 > 0 }.count
        #expect(abs(Float(kept) / 10_000 - 0.75) < 0.02)
        #expect(dropout(x, probability: 0, seed: 3) === x)
    }
}
