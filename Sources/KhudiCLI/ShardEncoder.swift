import Foundation
import KhudiCorpus
import KhudiText
import KhudiTokenizer

/// Encodes documents into token shards: batches encoded in parallel, written in input order,
/// EOS after every document, into a staging directory renamed into place at the end.
struct ShardEncoder {
    let tokenizer: any TextTokenizer
    let threads: Int
    let shardTokens: Int

    struct Summary {
        var tokens = 0
        var documents = 0
        var shards = 0
    }

    func run(
        _ inputs: [String], output: String, overwrite: Bool, reader: DocumentReader
    ) throws -> Summary {
        let stagingDirectory = try StagingDirectory(
            for: URL(fileURLWithPath: output).standardizedFileURL)
        let staging = stagingDirectory.url
        var done = false
        defer { if !done { stagingDirectory.discard() } }

        guard let eos = tokenizer.endOfTextID else {
            throw UserError(
                "the tokenizer has no end-of-text special token (<|eos|>, <|endoftext|>, <|end_of_text|>, </s>) to put between documents",
                exitCode: ExitStatus.dataError)
        }
        let vocabulary = tokenizer.vocabularySize
        var summary = Summary()
        var current: [Int] = []
        var documentsInCurrent = 0
        var shards: [[String: Any]] = []
        var issues: [String] = []
        func writeShard() throws {
            guard !current.isEmpty else { return }
            let name = String(format: "tokens-%05d.bin", shards.count)
            try AtomicFile.write(
                TokenShard.encode(
                    tokens: current, documents: documentsInCurrent, vocabularySize: vocabulary,
                    eosID: eos),
                to: staging.appendingPathComponent(name).path)
            shards.append(["file": name, "tokens": current.count, "documents": documentsInCurrent])
            current.removeAll(keepingCapacity: true)
            documentsInCurrent = 0
        }
        var batch: [String] = []
        var encoder = BatchEncoder(tokenizer: tokenizer, threads: threads)
        func flush() throws {
            let encoded = encoder.encode(batch).map { $0 + [eos] }
            for tokens in encoded {
                if current.count + tokens.count > shardTokens { try writeShard() }
                current += tokens
                documentsInCurrent += 1
                summary.tokens += tokens.count
                summary.documents += 1
            }
            batch.removeAll(keepingCapacity: true)
        }
        let files = DocumentReader.expand(inputs)
        let totalBytes = DocumentReader.totalSize(files)
        var bytesRead = 0
        var meter = ProgressMeter(label: "khudi-tokenize encode")
        for file in files {
            try reader.read(
                file,
                document: { raw in
                    bytesRead += raw.bytes.count
                    meter.update(
                        done: bytesRead, total: totalBytes, detail: "\(summary.tokens) tokens")
                    batch.append(TextDecoding.decode(raw.bytes).text)
                    if batch.count >= 256 { try flush() }
                }, issue: { issues.append($0.description) })
        }
        try flush()
        meter.finish()
        try writeShard()
        summary.shards = shards.count
        let manifest: [String: Any] = [
            "format": "khudi-tokens/1", "dtype": vocabulary <= 65_536 ? "uint16" : "uint32",
            "eos_id": eos,
            "vocab_size": vocabulary, "total_tokens": summary.tokens,
            "documents": summary.documents,
            "shards": shards, "input_issues": issues,
        ]
        try AtomicFile.writeJSON(manifest, to: staging.appendingPathComponent("manifest.json").path)
        try stagingDirectory.commit()
        done = true
        return summary
    }
}
