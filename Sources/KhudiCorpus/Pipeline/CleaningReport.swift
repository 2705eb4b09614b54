import Foundation

/// What a cleaning run did, written as report.json and report.md beside the shards.
public struct CleaningReport: Codable, Sendable {
    public struct LanguageCounts: Codable, Sendable {
        public var documentsIn = 0
        public var bytesIn = 0
        public var documentsOut = 0
        public var bytesOut = 0
    }

    public struct RuleCounts: Codable, Sendable {
        public var documents = 0
        public var bytes = 0
        /// Up to three examples: document id and the first 200 characters.
        public var examples: [String] = []
    }

    public struct Dedup: Codable, Sendable {
        public var exactDuplicates = 0
        public var nearDuplicates = 0
        /// Clusters of two or more near-duplicate documents.
        public var clusters = 0
        public var largestCluster = 0
        /// Documents in the MinHash index and its approximate memory.
        public var indexedDocuments = 0
        public var indexBytes = 0
    }

    public var khudiVersion = ""
    public var inputs: [String] = []
    public var documentsIn = 0
    public var bytesIn = 0
    public var documentsOut = 0
    /// UTF-8 bytes of the written documents' text.
    public var bytesOut = 0
    public var shards: [String] = []
    /// Keyed by language code ("und" for documents with no letters).
    public var languages: [String: LanguageCounts] = [:]
    /// Keyed by rule name, such as "gopher_stop_words", "exact_duplicate" or "near_duplicate".
    public var dropped: [String: RuleCounts] = [:]
    public var dedup = Dedup()
    public var pii: [String: Int] = [:]
    public var invalidUTF8Repaired = 0
    /// Input problems by kind, with up to ten messages each.
    public var inputIssues: [String: Int] = [:]
    public var inputIssueMessages: [String] = []
    public var seconds = 0.0
    public var megabytesPerSecond = 0.0

    mutating func drop(_ rule: String, id: String, text: String, bytes: Int) {
        var counts = dropped[rule, default: RuleCounts()]
        counts.documents += 1
        counts.bytes += bytes
        if counts.examples.count < 3 { counts.examples.append("\(id): \(text.prefix(200))") }
        dropped[rule] = counts
    }

    /// The report as Markdown.
    public var markdown: String {
        var lines = ["# Cleaning report", ""]
        lines.append("Khudi \(khudiVersion). Inputs: \(inputs.joined(separator: ", ")).")
        lines.append("")
        lines.append("| | documents | bytes |")
        lines.append("|---|---:|---:|")
        lines.append("| read | \(documentsIn) | \(bytesIn) |")
        lines.append("| written | \(documentsOut) | \(bytesOut) |")
        lines.append("")
        lines.append(String(format: "Time %.2f s, %.2f MB/s.", seconds, megabytesPerSecond))
        lines.append("")
        lines.append("## Languages")
        lines.append("")
        lines.append("| language | documents in | bytes in | documents out | bytes out |")
        lines.append("|---|---:|---:|---:|---:|")
        for (code, c) in languages.sorted(by: {
            ($0.value.bytesIn, $1.key) > ($1.value.bytesIn, $0.key)
        }) {
            lines.append(
                "| \(code) | \(c.documentsIn) | \(c.bytesIn) | \(c.documentsOut) | \(c.bytesOut) |")
        }
        lines.append("")
        lines.append("## Dropped documents")
        lines.append("")
        lines.append("| rule | documents | bytes | examples |")
        lines.append("|---|---:|---:|---|")
        for (rule, c) in dropped.sorted(by: {
            ($0.value.documents, $1.key) > ($1.value.documents, $0.key)
        }) {
            let examples = c.examples.map {
                $0.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(
                    of: "|", with: "\\|")
            }
            lines.append(
                "| \(rule) | \(c.documents) | \(c.bytes) | \(examples.joined(separator: "<br>")) |")
        }
        lines.append("")
        lines.append("## Deduplication")
        lines.append("")
        lines.append(
            "Exact duplicates removed: \(dedup.exactDuplicates). Near duplicates removed: \(dedup.nearDuplicates), in \(dedup.clusters) clusters (largest \(dedup.largestCluster)). MinHash index: \(dedup.indexedDocuments) documents, about \(dedup.indexBytes / 1024) KiB."
        )
        lines.append("")
        lines.append("## Personal data redacted")
        lines.append("")
        lines.append(
            pii.isEmpty
                ? "None found."
                : pii.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(
                    separator: ", "))
        lines.append("")
        lines.append("## Input problems")
        lines.append("")
        lines.append("Invalid UTF-8 sequences repaired: \(invalidUTF8Repaired).")
        for (kind, count) in inputIssues.sorted(by: { $0.key < $1.key }) {
            lines.append("- \(kind): \(count)")
        }
        for message in inputIssueMessages { lines.append("  - \(message)") }
        return lines.joined(separator: "\n") + "\n"
    }
}
