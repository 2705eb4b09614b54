import Foundation

/// Shows progress of long work on standard error: a live line with rate and ETA on a
/// terminal, a plain log line every few seconds otherwise (CI logs, files).
public struct ProgressMeter {
    let label: String
    let isTerminal = isatty(STDERR_FILENO) != 0
    let start = Date()
    var lastPrinted = Date.distantPast

    public init(label: String) {
        self.label = label
    }

    /// Reports `done` of `total` bytes.
    public mutating func update(done: Int, total: Int, detail: String) {
        let now = Date()
        guard now.timeIntervalSince(lastPrinted) >= (isTerminal ? 0.2 : 5) else { return }
        lastPrinted = now
        let elapsed = max(now.timeIntervalSince(start), 1e-9)
        let rate = Double(done) / 1e6 / elapsed
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
        let remaining = rate > 0 && total > 0 ? Double(total - done) / 1e6 / rate : 0
        let line = String(
            format: "%@: %.1f/%.1f MB (%.0f%%) %.2f MB/s ETA %.0fs, %@", label, Double(done) / 1e6,
            Double(total) / 1e6, 100 * fraction, rate, remaining, detail)
        if isTerminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
        } else {
            printError(line)
        }
    }

    /// Ends the live line.
    public func finish() {
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
