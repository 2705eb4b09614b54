import CBLAS

/// OpenBLAS, loaded into the process the first time a matrix product needs it.
///
/// Linking OpenBLAS made every Khudi process start its thread pool, whose threads spin for
/// about 0.1 s of a core before sleeping, and made every executable fail to start on a machine
/// without it, cleaning and tokenizing included. Loading it on first use (`CBLAS`'s shim,
/// `dlopen`) spares both: executables that compute call `load()` early to report a missing
/// library as a user error, and every GEMM checks it is loaded (`require()`).
public enum BLASLibrary {
    /// OpenBLAS could not be loaded (not installed, or `KHUDI_OPENBLAS` names a wrong file).
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    /// Loads OpenBLAS once: the file `KHUDI_OPENBLAS` names if set, else `libopenblas.so.0`,
    /// else `libopenblas.so`.
    public static func load() throws {
        guard khudi_blas_load() == 0 else {
            throw Unavailable(description: String(cString: khudi_blas_last_error()))
        }
    }

    /// Whether OpenBLAS is loaded in this process.
    public static var isLoaded: Bool { khudi_blas_is_loaded() != 0 }

    /// Loads OpenBLAS if it is not yet, stopping the process with the loader's message when it
    /// cannot be (a command that computes calls `load()` first to fail cleanly instead).
    @inline(__always) public static func require() {
        if khudi_blas_is_loaded() == 0 { loadOrStop() }
    }

    @inline(never) private static func loadOrStop() {
        do { try load() } catch { fatalError("\(error)") }
    }
}
