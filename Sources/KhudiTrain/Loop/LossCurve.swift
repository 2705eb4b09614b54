import Foundation

/// The loss curves of a run as a small standalone SVG: training loss per logged step and
/// validation loss per evaluation, on shared axes.
public enum LossCurve {
    /// The SVG text for `training` and `validation` (step, loss) points.
    public static func svg(
        training: [(step: Int, loss: Double)], validation: [(step: Int, loss: Double)],
        title: String
    ) -> String {
        let (width, height, margin) = (640.0, 360.0, 48.0)
        let points = (training + validation).filter { $0.loss.isFinite }
        let maxStep = Double(max(1, points.map(\.step).max() ?? 1))
        let low = points.map(\.loss).min() ?? 0
        let high = max(low + 1e-6, points.map(\.loss).max() ?? 1)
        func x(_ step: Int) -> Double { margin + (width - 2 * margin) * Double(step) / maxStep }
        func y(_ loss: Double) -> Double {
            height - margin - (height - 2 * margin) * (loss - low) / (high - low)
        }
        func polyline(_ series: [(step: Int, loss: Double)], color: String) -> String {
            let coordinates = series.filter { $0.loss.isFinite }.map {
                String(format: "%.1f,%.1f", x($0.step), y($0.loss))
            }
            guard !coordinates.isEmpty else { return "" }
            return "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\" points=\""
                + coordinates.joined(separator: " ") + "\"/>\n"
        }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
            font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(Int(margin))" y="24">\(escaped(title))</text>
            <line x1="\(margin)" y1="\(height - margin)" x2="\(width - margin)" y2="\(height - margin)" stroke="black"/>
            <line x1="\(margin)" y1="\(margin)" x2="\(margin)" y2="\(height - margin)" stroke="black"/>
            <text x="\(width - margin)" y="\(height - 16)" text-anchor="end">step \(Int(maxStep))</text>
            <text x="4" y="\(margin)">\(String(format: "%.3f", high))</text>
            <text x="4" y="\(height - margin)">\(String(format: "%.3f", low))</text>
            <text x="\(width - margin)" y="24" text-anchor="end" fill="#1f77b4">training</text>
            <text x="\(width - margin)" y="40" text-anchor="end" fill="#d62728">validation</text>

            """
        svg += polyline(training, color: "#1f77b4")
        svg += polyline(validation, color: "#d62728")
        return svg + "</svg>\n"
    }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(
            of: "<", with: "&lt;"
        )
        .replacingOccurrences(of: ">", with: "&gt;")
    }

    /// The (step, loss) points of `metrics.jsonl` at `path`: training and validation lines.
    public static func points(
        metrics path: String
    ) -> (training: [(step: Int, loss: Double)], validation: [(step: Int, loss: Double)]) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return ([], []) }
        var training: [Int: Double] = [:]
        var validation: [Int: Double] = [:]
        for line in text.split(separator: "\n") {
            guard
                let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8)))
                    as? [String: Any],
                let step = object["step"] as? Int, let loss = object["loss"] as? Double
            else { continue }
            // A resumed run logs its steps again; the later line wins.
            if object["kind"] as? String == "validation" {
                validation[step] = loss
            } else {
                training[step] = loss
            }
        }
        return (
            training.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
            validation.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        )
    }
}
