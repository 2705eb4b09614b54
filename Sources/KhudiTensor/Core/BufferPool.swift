import Foundation

/// Recycles float buffers by size, so a training step that repeats the same shapes allocates
/// nothing once the first step has warmed the pool.
///
/// Every activation and gradient buffer a `Tensor` owns comes from here and goes back when the
/// tensor is released. `statistics` counts fresh allocations, which is how the tests and
/// benchmarks show that a steady-state step allocates nothing proportional to the model.
public final class BufferPool: @unchecked Sendable {
    /// Counters since the pool was created (or `resetStatistics()`).
    public struct Statistics: Equatable, Sendable {
        /// Buffers obtained from the system allocator.
        public var freshAllocations = 0
        /// Floats obtained from the system allocator.
        public var freshFloats = 0
        /// Requests served from recycled buffers.
        public var reuses = 0
    }

    /// The process-wide pool.
    public static let shared = BufferPool()

    /// The pool new tensors draw from: `shared` unless a caller scoped another one with
    /// `BufferPool.$current.withValue(pool) { … }` (tests and benchmarks do, to count one
    /// workload's allocations in isolation).
    @TaskLocal public static var current = BufferPool.shared

    public init() {}

    private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var stats = Statistics()
    private let lock = NSLock()

    /// Counters since creation or the last reset.
    public var statistics: Statistics {
        lock.lock()
        defer { lock.unlock() }
        return stats
    }

    /// Sets the counters to zero.
    public func resetStatistics() {
        lock.lock()
        stats = Statistics()
        lock.unlock()
    }

    /// A buffer of `count` floats with undefined contents.
    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        lock.lock()
        if let pointer = free[count]?.popLast() {
            stats.reuses += 1
            lock.unlock()
            return pointer
        }
        stats.freshAllocations += 1
        stats.freshFloats += count
        lock.unlock()
        return UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
    }

    /// A buffer of `count` zeros.
    func takeZeroed(_ count: Int) -> UnsafeMutablePointer<Float> {
        let pointer = take(count)
        pointer.initialize(repeating: 0, count: count)
        return pointer
    }

    /// Returns a buffer obtained from `take` for reuse.
    func give(_ pointer: UnsafeMutablePointer<Float>, count: Int) {
        lock.lock()
        free[count, default: []].append(pointer)
        lock.unlock()
    }

    /// Frees every recycled buffer (for example after evaluation with other shapes).
    public func drain() {
        lock.lock()
        for (_, pointers) in free { pointers.forEach { $0.deallocate() } }
        free.removeAll()
        lock.unlock()
    }
}
