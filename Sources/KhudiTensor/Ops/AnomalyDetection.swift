import Foundation

/// Finds the first operation that produced a NaN or an infinity.
///
/// Off by default (it reads every output). Inside `AnomalyDetection.run`, each operation's
/// forward output and each gradient written in backward are checked; the first non-finite
/// value is remembered, and `run` throws a `NonFiniteError` naming that operation.
public enum AnomalyDetection {
    /// Where a non-finite value appeared.
    public enum Phase: Equatable, Sendable, CustomStringConvertible {
        case forward
        case backward(from: String)

        public var description: String {
            switch self {
            case .forward: "forward output"
            case .backward(let operation): "gradient propagated by \(operation)"
            }
        }
    }

    final class Recorder: @unchecked Sendable {
        var first: NonFiniteError?
    }

    @TaskLocal static var recorder: Recorder?

    /// Runs `body` with checks on; throws the first anomaly found, if any.
    public static func run<Result>(_ body: () throws -> Result) throws -> Result {
        let recorder = Recorder()
        let result = try $recorder.withValue(recorder, operation: body)
        if let first = recorder.first { throw first }
        return result
    }

    static func check(_ tensor: Tensor, phase: Phase) {
        guard let recorder, recorder.first == nil else { return }
        let pointer: UnsafeMutablePointer<Float>?
        switch phase {
        case .forward: pointer = tensor.data
        case .backward: pointer = tensor.gradientPointer
        }
        guard let pointer else { return }
        var operation = tensor.operation
        if case .backward(let producer) = phase { operation = producer }
        for i in 0..<tensor.count where !pointer[i].isFinite {
            recorder.first = NonFiniteError(
                operation: operation, phase: phase, shape: tensor.shape, index: i,
                value: pointer[i])
            return
        }
    }
}

/// A NaN or infinity found by `AnomalyDetection`.
public struct NonFiniteError: Error, Equatable, CustomStringConvertible {
    /// The operation whose forward output held the value, or whose backward wrote it.
    public var operation: String
    public var phase: AnomalyDetection.Phase
    public var shape: Shape
    /// Flat index of the first non-finite element.
    public var index: Int
    public var value: Float

    public var description: String {
        "non-finite value \(value) in the \(phase) of \(operation) (shape \(shape), element \(index))"
    }
}
