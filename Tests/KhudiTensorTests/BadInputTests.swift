import Foundation
import KhudiTensor
import Testing

/// Wrong shapes stop the process with a message naming the op and the shapes; bad token ids
/// and non-finite values are reported as errors naming the offender.
@Suite struct BadInputTests {
    /// Runs `body` in a child process (Swift Testing exit test) and returns what it printed.
    func stderrOfCrash(_ result: ExitTest.Result?) -> String {
        String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    }

    @Test func matmulShapeMismatchNamesOpAndShapes() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent])
        {
            _ = matmul(Tensor(repeating: 1, shape: [2, 3]), Tensor(repeating: 1, shape: [4, 5]))
        }
        #expect(stderrOfCrash(result).contains("matmul: inner dimensions differ: [2, 3] · [4, 5]"))
    }

    @Test func broadcastMismatchNamesOpAndShapes() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent])
        {
            _ = Tensor(repeating: 1, shape: [2, 3]) + Tensor(repeating: 1, shape: [2])
        }
        #expect(stderrOfCrash(result).contains("add: shape [2] does not broadcast onto [2, 3]"))
    }

    @Test func linearMismatchNamesOpAndShapes() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent])
        {
            _ = linear(
                Tensor(repeating: 1, shape: [4, 7]), weight: Tensor(repeating: 1, shape: [3, 6]))
        }
        #expect(
            stderrOfCrash(result).contains(
                "linear: input [4, 7] does not end in 6 to match weight [3, 6]"))
    }

    @Test func attentionHeadMismatchIsNamed() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent])
        {
            let q = Tensor(repeating: 1, shape: [1, 2, 6])
            _ = causalAttention(query: q, key: q, value: q, queryHeads: 3, kvHeads: 2)
        }
        #expect(
            stderrOfCrash(result).contains(
                "causalAttention: 3 query heads do not divide into 2 kv heads"))
    }

    @Test func embeddingIDOutOfRangeIsThrownWithItsPosition() {
        let table = Tensor(repeating: 0, shape: [6, 2])
        #expect(
            throws: TensorError.tokenOutOfRange(
                operation: "embedding", position: 2, id: 9, limit: 6)
        ) {
            try embedding([1, 5, 9, 2], shape: [4], table: table)
        }
        #expect(
            throws: TensorError.tokenOutOfRange(
                operation: "embedding", position: 0, id: -1, limit: 6)
        ) {
            try embedding([-1], shape: [1], table: table)
        }
        #expect(throws: TensorError.countMismatch(operation: "embedding", expected: 4, got: 3)) {
            try embedding([1, 2, 3], shape: [2, 2], table: table)
        }
    }

    @Test func linearCrossEntropyTargetsAreChecked() {
        let hidden = Tensor([Float](repeating: 0.5, count: 12), shape: [3, 4])
        let weight = Tensor([Float](repeating: 0.1, count: 20), shape: [5, 4])
        #expect(
            throws: TensorError.tokenOutOfRange(
                operation: "linearCrossEntropy", position: 1, id: 5, limit: 5)
        ) {
            try linearCrossEntropy(hidden, weight: weight, targets: [0, 5, -100])
        }
        #expect(
            throws: TensorError.countMismatch(operation: "linearCrossEntropy", expected: 3, got: 2)
        ) {
            try linearCrossEntropy(hidden, weight: weight, targets: [0, 1])
        }
    }

    @Test func crossEntropyTargetOutOfRangeIsThrown() {
        let logits = Tensor(repeating: 0, shape: [3, 5])
        #expect(
            throws: TensorError.tokenOutOfRange(
                operation: "crossEntropy", position: 1, id: 5, limit: 5)
        ) {
            try crossEntropy(logits, targets: [0, 5, -100])
        }
        #expect(throws: TensorError.countMismatch(operation: "crossEntropy", expected: 3, got: 2)) {
            try crossEntropy(logits, targets: [0, 1])
        }
    }

    @Test func forwardNonFiniteValueNamesTheFirstOp() {
        let x = Tensor([1, 0, 2], shape: [3], requiresGradient: true)
        let error = #expect(throws: NonFiniteError.self) {
            try AnomalyDetection.run { sum(exp(log(x)) * 2) }
        }
        #expect(error?.operation == "log")
        #expect(error?.phase == .forward)
        #expect(error?.shape == [3])
        #expect(error?.index == 1)
        #expect(
            error?.description
                == "non-finite value -inf in the forward output of log (shape [3], element 1)")
    }

    @Test func backwardNonFiniteGradientNamesTheOpThatProducedIt() {
        // log(1.4e-45) is finite (−103.3) but its gradient 1/x overflows to infinity.
        let x = Tensor([1, .leastNonzeroMagnitude], shape: [2], requiresGradient: true)
        do {
            try AnomalyDetection.run { sum(log(x)).backward() }
            Issue.record("no anomaly reported")
        } catch let error as NonFiniteError {
            #expect(error.operation == "log")
            #expect(error.phase == .backward(from: "log"))
            #expect(error.index == 1)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func finiteComputationPassesAnomalyDetection() throws {
        let x = Tensor([1, 2], shape: [2], requiresGradient: true)
        let value = try AnomalyDetection.run { () -> Float in
            let loss = sum(log(x))
            loss.backward()
            return loss.scalarValue
        }
        #expect(abs(value - logf(2)) < 1e-6)
    }
}
