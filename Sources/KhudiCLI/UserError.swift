import ArgumentParser
import Foundation

/// An error meant for the person at the terminal: what went wrong, where, and what to do.
public struct UserError: Error, CustomStringConvertible {
    public let description: String
    public let exitCode: ExitCode

    public init(_ description: String, exitCode: ExitCode) {
        self.description = description
        self.exitCode = exitCode
    }

    /// An input path that does not exist or matches nothing.
    public static func missingInput(
        _ path: String, detail: String = "no such file or directory"
    )
        -> UserError
    {
        UserError("input '\(path)': \(detail)", exitCode: ExitStatus.noInput)
    }

    /// A stage or option whose implementation has not landed yet; says which issue brings it.
    public static func notBuiltYet(_ what: String, issue: Int) -> UserError {
        UserError(
            "\(what) is not built yet (tracked as issue #\(issue)); nothing was read or written",
            exitCode: ExitStatus.unavailable)
    }
}

/// Runs a command body, printing a `UserError` (or any other error) as one line
/// `TOOL: error: MESSAGE` on stderr and exiting with the error's code.
public func reportingErrors(tool: String, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as UserError {
        printError("\(tool): error: \(error.description)")
        throw error.exitCode
    } catch let error as ExitCode {
        throw error
    } catch {
        printError("\(tool): error: \(error)")
        throw ExitStatus.software
    }
}

/// Writes one line to standard error.
public func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
