import Foundation

/// Perplexity results of one or more models (or checkpoints of one run) as JSON, a Markdown
/// table and, for several checkpoints, an SVG of loss by step.
public struct PerplexityReport: Sendable {
    public struct Entry: Sendable {
        public var model: String
        /// The training step of a checkpoint, when known (its trainer_state.json).
        public var step: Int?
        public var results: [PerplexityEvaluation.Result]

        public init(model: String, step: Int?, results: [PerplexityEvaluation.Result]) {
            self.model = model
            self.step = step
            self.results = results
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    /// `{"models": [{"model", "step", "files": [{file, documents, tokens, bytes, loss,
    /// perplexity, bits_per_byte}]}]}`.
    public func json() throws -> Data {
        let models: [[String: Any]] = entries.map { entry in
            var object: [String: Any] = [
                "model": entry.model,
                "files": entry.results.map { r -> [String: Any] in
                    [
                        "file": r.file, "documents": r.documents, "tokens": r.tokens,
                        "bytes": r.bytes, "loss": r.loss, "perplexity": r.perplexity,
                        "bits_per_byte": r.bitsPerByte,
                        "negative_log_likelihood": r.negativeLogLikelihood,
                    ]
                },
            ]
            object["step"] = entry.step
            return object
        }
        return try JSONSerialization.data(
            withJSONObject: ["models": models], options: [.sortedKeys, .prettyPrinted])
    }

    /// One row per model and file.
    public func markdown() -> String {
        var lines = [
            "| model | step | file | tokens | loss | perplexity | bits per byte |",
            "|---|---|---|---|---|---|---|",
        ]
        for entry in entries {
            for r in entry.results {
                lines.append(
                    "| \(entry.model) | \(entry.step.map(String.init) ?? "") | \(r.file) | \(r.tokens) | "
                        + String(
                            format: "%.4f | %.2f | %.4f |", r.loss, r.perplexity, r.bitsPerByte))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Loss by step for each file, when at least two entries carry a step (a run's
    /// checkpoints); nil otherwise.
    public func svg() -> String? {
        let stepped = entries.filter { $0.step != nil }.sorted { ($0.step ?? 0) < ($1.step ?? 0) }
        guard stepped.count >= 2 else { return nil }
        let files = stepped[0].results.map(\.file)
        let colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]
        let (width, height, margin) = (640.0, 360.0, 48.0)
        let losses = stepped.flatMap { $0.results.map(\.loss) }.filter(\.isFinite)
        let (low, high) = (losses.min() ?? 0, max((losses.min() ?? 0) + 1e-6, losses.max() ?? 1))
        let (first, last) = (
            Double(stepped[0].step ?? 0), Double(stepped[stepped.count - 1].step ?? 1)
        )
        func x(_ step: Int) -> Double {
            margin + (width - 2 * margin) * (Double(step) - first) / max(1, last - first)
        }
        func y(_ loss: Double) -> Double {
            height - margin - (height - 2 * margin) * (loss - low) / (high - low)
        }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
            font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(Int(margin))" y="24">loss per token by checkpoint step</text>
            <line x1="\(margin)" y1="\(height - margin)" x2="\(width - margin)" y2="\(height - margin)" stroke="black"/>
            <line x1="\(margin)" y1="\(margin)" x2="\(margin)" y2="\(height - margin)" stroke="black"/>
            <text x="\(margin)" y="\(height - 16)">step \(Int(first))</text>
            <text x="\(width - margin)" y="\(height - 16)" text-anchor="end">step \(Int(last))</text>
            <text x="4" y="\(margin)">\(String(format: "%.3f", high))</text>
            <text x="4" y="\(height - margin)">\(String(format: "%.3f", low))</text>

            """
        for (index, file) in files.enumerated() {
            let color = colors[index % colors.count]
            let points = stepped.compactMap { entry -> String? in
                guard let step = entry.step,
                    let r = entry.results.first(where: { $0.file == file }),
                    r.loss.isFinite
                else { return nil }
                return String(format: "%.1f,%.1f", x(step), y(r.loss))
            }
            svg +=
                "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\" points=\""
                + points.joined(separator: " ") + "\"/>\n"
            let name = (file as NSString).lastPathComponent
                .replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(
                    of: "<", with: "&lt;")
            svg +=
                "<text x=\"\(width - margin)\" y=\"\(40 + 16 * index)\" text-anchor=\"end\" fill=\"\(color)\">\(name)</text>\n"
        }
        return svg + "</svg>\n"
    }
}
