import ArgumentParser

/// Khudi's exit codes, following BSD `sysexits.h` so scripts and schedulers can tell failures
/// apart: usage errors are 64 (what ArgumentParser already uses for bad options).
public enum ExitStatus {
    /// The command line was wrong (unknown option, bad value).
    public static let usage = ExitCode(64)
    /// Input data was malformed (invalid UTF-8 under --invalid-utf8 reject, a corrupt model).
    public static let dataError = ExitCode(65)
    /// An input file or directory does not exist or cannot be read.
    public static let noInput = ExitCode(66)
    /// The requested capability is not built yet, or a required service is missing.
    public static let unavailable = ExitCode(69)
    /// An internal or runtime failure (for example the MPI runtime reported an error).
    public static let software = ExitCode(70)
    /// A configuration file is wrong (unknown key, bad value), named with file:line:column.
    public static let configuration = ExitCode(78)
    /// An output could not be written, or already exists.
    public static let cannotCreate = ExitCode(73)
}
