import Dispatch
import Foundation
import KhudiText

/// Pre-token counts gathered from text fed in pieces, so a corpus is streamed, never held: the
/// input of every trainer (byte-level BPE with a byte-level split; Unigram and character BPE
/// with a Metaspace split).
public struct PreTokenCounter: Sendable {
    /// How text is cut into the pre-tokens counted.
    public enum Splitting: Sendable {
        /// A byte-level pre-tokenizer, on NFC text.
        case bytes(PreTokenization)
        /// SentencePiece-style pieces (with `▁`), on NFC text, for Unigram.
        case metaspace(MetaspaceSplitter)
    }

    private var table = PieceCountTable()
    public private(set) var bytes = 0

    /// The counts by pre-token bytes (built on each call: read it once).
    public var counts: [[UInt8]: Int64] { table.dictionary }

    /// The number of distinct pre-tokens counted.
    public var distinctCount: Int { table.count }
    public let splitting: Splitting

    public init(preTokenization: PreTokenization = .persoArabic(PersoArabicPreTokenizer())) {
        splitting = .bytes(preTokenization)
    }

    public init(splitter: MetaspaceSplitter) {
        splitting = .metaspace(splitter)
    }

    /// Forgets every count, keeping the splitting.
    mutating func removeAll() {
        table = PieceCountTable()
        bytes = 0
    }

    /// Counts the pre-tokens of `text` (after NFC).
    public mutating func add(_ text: String) {
        bytes += text.utf8.count
        let normalized = UnicodeNormalization.nfc.apply(text)
        switch splitting {
        case .bytes(let preTokenization):
            preTokenization.forEachPiece(normalized) { table.add($0) }
        case .metaspace(let splitter):
            splitter.forEachPiece(normalized, first: true) { table.add($0) }
        }
    }

    /// Counts `texts` split evenly over `threads` threads, then merges the partial counts.
    ///
    /// Counts are sums, so the result is the same for every thread count; memory grows by
    /// one partial table per thread, so callers feed bounded batches.
    public mutating func add(contentsOf texts: [String], threads: Int) {
        let parts = max(1, min(threads, texts.count))
        guard parts > 1 else {
            for text in texts { add(text) }
            return
        }
        var empty = self
        empty.removeAll()
        var partial = [PreTokenCounter](repeating: empty, count: parts)
        partial.withUnsafeMutableBufferPointer { buffer in
            let slots = UncheckedBox(buffer)  // each thread touches only its own slot
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let range = (texts.count * part / parts)..<(texts.count * (part + 1) / parts)
                for index in range { slots.value[part].add(texts[index]) }
            }
        }
        for other in partial { merge(other) }
    }

    /// Adds another counter's counts, each multiplied by `weight` (rounded; a piece seen at
    /// all keeps a count of at least 1 unless the weight is 0), and its bytes.
    public mutating func merge(_ other: PreTokenCounter, weight: Double) {
        guard weight != 1 else { return merge(other) }
        bytes += other.bytes
        guard weight > 0 else { return }
        other.table.forEach { piece, count in
            table.add(piece, max(1, Int64((Double(count) * weight).rounded())))
        }
    }

    /// Adds another counter's counts and bytes to this one.
    public mutating func merge(_ other: PreTokenCounter) {
        bytes += other.bytes
        if table.isEmpty {
            table = other.table
        } else {
            other.table.forEach { piece, count in table.add(piece, count) }
        }
    }
}
