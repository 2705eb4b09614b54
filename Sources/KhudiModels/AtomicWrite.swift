import Foundation

/// Replaces (or creates) `path` with `bytes`, atomically.
///
/// A crash never leaves a half-written file under that name: a temporary file in the same directory, fsync, rename. Returns nil, or the
/// reason it failed (the temporary file is then removed).
public func writeAtomically(_ bytes: [UInt8], to path: String) -> String? {
    writeAtomically([bytes], to: path)
}

/// `writeAtomically` for a file given in parts, written one after another (no copy of the
/// whole file is made: a checkpoint's tensors go straight from their buffers).
func writeAtomically(_ parts: [[UInt8]], to path: String) -> String? {
    let temporary = path + ".tmp-\(getpid())"
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard descriptor >= 0 else { return String(cString: strerror(errno)) }
    var failure: String?
    for part in parts where failure == nil {
        part.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }  // nothing to write
            var written = 0
            while written < buffer.count {
                let result = Foundation.write(descriptor, base + written, buffer.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                written += result
            }
        }
    }
    if failure == nil && fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
    close(descriptor)
    if failure == nil && rename(temporary, path) != 0 {
        failure = String(cString: strerror(errno))
    }
    if failure != nil { unlink(temporary) }
    return failure
}
