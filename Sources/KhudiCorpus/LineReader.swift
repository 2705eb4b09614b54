import Foundation
import KhudiText

/// Reads lines from a file handle in fixed-size chunks, so memory holds one chunk plus the current
/// line however large the input is (a line of many megabytes is returned whole).
///
/// Line ends are LF or CRLF; the terminator is not included.
public struct LineReader {
    private let handle: FileHandle
    private let chunkSize: Int
    private var buffer = [UInt8]()
    private var start = 0
    private var finished = false
    /// 1-based number of the line last returned.
    public private(set) var lineNumber = 0

    public init(handle: FileHandle, chunkSize: Int = 1 << 20) {
        self.handle = handle
        self.chunkSize = chunkSize
    }

    /// The index of the first newline at or after `start` (`firstNewline`, with `memchr`: the
    /// generic `firstIndex(of:)` stepped one byte at a time, 1% of a cleaning run).
    private func nextNewline() -> Int? {
        buffer.withUnsafeBufferPointer { $0.firstNewline(from: start) }
    }

    /// The next line's bytes, or nil at the end.
    ///
    /// Throws if reading fails (a file that vanished or a device error); lines already returned
    /// stay valid.
    public mutating func nextLine() throws -> [UInt8]? {
        while true {
            if let newline = nextNewline() {
                var end = newline
                if end > start && buffer[end - 1] == 0x0D { end -= 1 }
                let line = Array(buffer[start..<end])
                start = newline + 1
                lineNumber += 1
                return line
            }
            if finished {
                guard start < buffer.count else { return nil }
                var line = Array(buffer[start...])
                if line.last == 0x0D { line.removeLast() }
                start = buffer.count
                lineNumber += 1
                return line
            }
            buffer.removeFirst(start)
            start = 0
            if try readChunk() == 0 { finished = true }
        }
    }

    /// Appends up to `chunkSize` bytes from the file to `buffer` with one `read(2)`; returns
    /// how many (0 at the end).
    ///
    /// `FileHandle.read(upToCount:)` read four kilobytes a system call (2,400 calls for 10 MB)
    /// and copied them through `Data`.
    private mutating func readChunk() throws -> Int {
        let old = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: chunkSize))
        let descriptor = handle.fileDescriptor
        var got = 0
        repeat {
            got = buffer.withUnsafeMutableBytes { bytes in
                read(descriptor, bytes.baseAddress.map { $0 + old }, chunkSize)
            }
        } while got < 0 && errno == EINTR
        let error = errno
        buffer.removeLast(chunkSize - max(got, 0))
        if got < 0 { throw POSIXError(POSIXErrorCode(rawValue: error) ?? .EIO) }
        return got
    }
}
