import Foundation

/// How Khudi's own kernels split work across threads.
///
/// Work is divided into chunks whose boundaries depend only on the problem size, never on the
/// thread count, and every output element is written by exactly one chunk, so results are the
/// same bit for bit whatever `threadCount` is.
public enum KernelThreads {
    nonisolated(unsafe) private static var configured = ProcessInfo.processInfo.activeProcessorCount

    /// Threads our kernels use (set together with OpenBLAS's by `BLASThreads.set`).
    public static var threadCount: Int {
        get { configured }
        set { configured = max(1, newValue) }
    }

    /// Calls `body` on consecutive ranges covering `0..<count`, in parallel when worthwhile.
    ///
    /// - Parameters:
    ///   - count: the number of independent items (rows, heads, columns).
    ///   - grain: items per range; ranges never depend on the thread count.
    ///   - body: processes one range; ranges never overlap.
    static func forEachRange(
        _ count: Int, grain: Int, _ body: (Range<Int>) -> Void
    ) {
        guard count > 0 else { return }
        let grain = max(1, grain)
        let chunks = (count + grain - 1) / grain
        if chunks == 1 || threadCount == 1 {
            for chunk in 0..<chunks {
                body((chunk * grain)..<min(count, (chunk + 1) * grain))
            }
            return
        }
        // Kernels hand raw buffers to their ranges; the ranges never overlap, which is what
        // makes sharing them across threads sound, so the closure is passed on unchecked.
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                shared.value((chunk * grain)..<min(count, (chunk + 1) * grain))
            }
        }
    }

    /// A grain that gives each range about `work` scalar operations.
    static func grain(itemCost: Int, work: Int = 32_768) -> Int {
        max(1, work / max(1, itemCost))
    }
}

/// Carries a value across a concurrency boundary that the compiler cannot check.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
