import KhudiText

/// Accuracy and confusion of a language identifier on labelled lines.
public struct LanguageIDEvaluation {
    /// counts[truth][predicted]; "none" when the identifier found no letters.
    public var confusion: [Language: [String: Int]] = [:]

    /// Evaluates `identifier` on every line with at least `minimumWords` words.
    public init(identifier: LanguageIdentifier, heldOut: [Language: [String]], minimumWords: Int) {
        for (truth, lines) in heldOut {
            for line in lines where line.split(separator: " ").count >= minimumWords {
                let predicted = identifier.identify(line)?.language.code ?? "none"
                confusion[truth, default: [:]][predicted, default: 0] += 1
            }
        }
    }

    /// Lines evaluated for `language`.
    public func total(_ language: Language) -> Int { confusion[language]?.values.reduce(0, +) ?? 0 }

    /// Share of `language`'s lines identified correctly.
    public func accuracy(_ language: Language) -> Double {
        let total = total(language)
        return total == 0 ? 0 : Double(confusion[language]?[language.code] ?? 0) / Double(total)
    }

    /// Accuracy over the lines of `languages` together.
    public func accuracy(over languages: [Language]) -> Double {
        let correct = languages.reduce(0) { $0 + (confusion[$1]?[$1.code] ?? 0) }
        let lines = languages.reduce(0) { $0 + total($1) }
        return lines == 0 ? 0 : Double(correct) / Double(lines)
    }

    /// The confusion matrix as a Markdown table, rows = truth, columns = prediction.
    public var table: String {
        let rows = Language.allCases.filter { total($0) > 0 }
        let columns = Language.allCases.map(\.code) + ["none"]
        var lines = [
            "| truth \\ predicted | " + columns.joined(separator: " | ") + " | lines | accuracy |",
            "|---" + String(repeating: "|---", count: columns.count + 2) + "|",
        ]
        for truth in rows {
            let cells = columns.map { String(confusion[truth]?[$0] ?? 0) }
            lines.append(
                "| \(truth.code) | " + cells.joined(separator: " | ")
                    + " | \(total(truth)) | \(String(format: "%.1f%%", 100 * accuracy(truth))) |")
        }
        let all = rows
        lines.append("")
        lines.append(
            String(
                format: "overall accuracy: %.2f%% over %d lines", 100 * accuracy(over: all),
                all.reduce(0) { $0 + total($1) }))
        return lines.joined(separator: "\n")
    }

    /// The evaluation as JSON-compatible values.
    public var jsonObject: [String: Any] {
        var perLanguage: [String: Any] = [:]
        for (language, row) in confusion {
            perLanguage[language.code] = [
                "lines": total(language), "accuracy": accuracy(language), "predicted": row,
            ]
        }
        return ["languages": perLanguage, "accuracy": accuracy(over: Array(confusion.keys))]
    }
}
