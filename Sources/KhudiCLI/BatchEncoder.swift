import Dispatch
import KhudiText
import KhudiTokenizer

/// Encodes batches of texts across threads, in order, each worker with its own piece cache
/// kept from batch to batch (worker w always takes the w-th contiguous slice of a batch, so no
/// cache is ever shared between threads).
struct BatchEncoder {
    let tokenizer: any TextTokenizer
    let workers: Int
    private var caches: [PieceCache]

    init(tokenizer: any TextTokenizer, threads: Int) {
        self.tokenizer = tokenizer
        workers = max(1, threads)
        caches = [PieceCache](repeating: PieceCache(), count: workers)
    }

    /// The ids of each text, in the order given.
    mutating func encode(_ texts: [String]) -> [[Int]] {
        map(texts, text: { $0 }, result: { $0 })
    }

    /// `result` of the ids of `text` of each item, in the order given; `text` and `result` run
    /// on the workers too, so decoding input and formatting output scale with the encoding.
    mutating func map<Item: Sendable, Result>(
        _ items: [Item], text: @escaping @Sendable (Item) -> String,
        result: @escaping @Sendable ([Int]) -> Result
    ) -> [Result] {
        let tokenizer = tokenizer
        let workers = min(workers, max(items.count, 1))
        var encoded = [Result?](repeating: nil, count: items.count)
        encoded.withUnsafeMutableBufferPointer { slots in
            caches.withUnsafeMutableBufferPointer { cacheSlots in
                let shared = UncheckedBox(slots)
                let sharedCaches = UncheckedBox(cacheSlots)
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    let first = items.count * worker / workers
                    let end = items.count * (worker + 1) / workers
                    for i in first..<end {
                        shared.value[i] = result(
                            tokenizer.encode(text(items[i]), cache: &sharedCaches.value[worker]))
                    }
                }
            }
        }
        return encoded.compactMap { $0 }
    }
}

extension [UInt8] {
    /// Appends `ids` as decimal numbers separated by spaces, then a newline (`encode --ids`).
    mutating func appendIDLine(_ ids: [Int]) {
        var digits = [UInt8](repeating: 0, count: 20)
        for (index, id) in ids.enumerated() {
            if index > 0 { append(0x20) }
            var value = id
            var count = 0
            repeat {
                digits[count] = UInt8(0x30 + value % 10)
                value /= 10
                count += 1
            } while value > 0
            for k in stride(from: count - 1, through: 0, by: -1) { append(digits[k]) }
        }
        append(0x0A)
    }
}
