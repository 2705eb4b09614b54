import Foundation

/// `metrics.jsonl`: one JSON object per line (training steps and validations), appended and
/// flushed as they happen, so a crashed run keeps its curve.
final class MetricsLog {
    let handle: FileHandle

    init?(path: String) {
        if !FileManager.default.fileExists(atPath: path) {
            FileManager.default.createFile(atPath: path, contents: nil)
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { return nil }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    deinit { try? handle.close() }

    func append(_ report: StepReport) {
        write([
            "kind": "train", "step": report.step, "loss": report.loss,
            "lr": Double(report.learningRate), "grad_norm": Double(report.gradientNorm),
            "tokens": report.tokens, "seconds": report.seconds,
        ])
    }

    func appendValidation(step: Int, loss: Double, tokens: Int) {
        write([
            "kind": "validation", "step": step, "loss": loss, "perplexity": Foundation.exp(loss),
            "tokens": tokens,
        ])
    }

    func write(_ object: [String: Any]) {
        guard
            let data = try? JSONSerialization.data(
                withJSONObject: object, options: [.sortedKeys])
        else { return }
        handle.write(data + Data("\n".utf8))
    }
}
