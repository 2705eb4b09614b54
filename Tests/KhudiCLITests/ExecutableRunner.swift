import Foundation

/// Runs one of the package's built executables and captures what it printed.
struct ExecutableRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The build products folder: the test bundle sits beside the executables.
    static let productsDirectory: URL = {
        let bundle = Bundle.main.bundleURL
        let candidates = [bundle, bundle.deletingLastPathComponent()]
        for folder in candidates
        where FileManager.default.fileExists(atPath: folder.appendingPathComponent("khudi").path) {
            return folder
        }
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug")
    }()

    static func path(of executable: String) -> String {
        productsDirectory.appendingPathComponent(executable).path
    }

    /// Runs `executable` (a product name, or an absolute path such as mpirun's) with `arguments`.
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:],
        input: Data? = nil
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(
            fileURLWithPath: executable.hasPrefix("/") ? executable : path(of: executable))
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("OMPI_COMM_WORLD") || key.hasPrefix("PMIX_") {
            env[key] = nil
        }
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let stdin = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        // A child that exits before reading all its input (a refusal test) must not take the
        // test process down with SIGPIPE; the write then just fails with EPIPE.
        signal(SIGPIPE, SIG_IGN)
        try process.run()
        if let input {
            let writer = stdin.fileHandleForWriting
            DispatchQueue.global().async {
                try? writer.write(contentsOf: input)
                try? writer.close()
            }
        }
        // Drain stderr on another thread while this one drains stdout, so a child that fills
        // either pipe can never block.
        nonisolated(unsafe) var errData = Data()
        let errorReader = DispatchGroup()
        errorReader.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            errorReader.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        errorReader.wait()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// The first `name` found on PATH, if any.
    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
