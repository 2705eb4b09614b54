import Foundation
import KhudiModels

extension RecipeRunner {
    /// Runs `stage` unless its key and outputs are unchanged (or `force`), and records it.
    func runStage(
        _ stage: Stage, tools: [String: String], force: Bool
    ) throws(RunError) -> StageOutcome {
        let configurations: [(path: String, text: String)]
        do {
            configurations = try stage.configuration()
        } catch {
            throw .cannotPrepare(stage: stage.name, reason: "\(error)")
        }
        for file in configurations { try write(file.text, to: file.path) }
        var inputs: [String: String] = [:]
        for path in stage.inputs {
            do {
                inputs.merge(try ContentDigest.files(path)) { first, _ in first }
            } catch {
                throw .cannotPrepare(stage: stage.name, reason: "input \(error)")
            }
        }
        for pattern in stage.upstream {
            let name = String(pattern.prefix { $0 != "/" })
            guard let record = StageRecord.read(recordPath(name)) else {
                throw .cannotPrepare(stage: stage.name, reason: "stage \(name) has not run yet")
            }
            let read = record.outputs.filter { fnmatch(pattern, $0.key, 0) == 0 }
            guard !read.isEmpty else {
                throw .cannotPrepare(
                    stage: stage.name, reason: "stage \(name) wrote no file matching \(pattern)")
            }
            for (relative, digest) in read { inputs["\(recipe.output)/\(relative)"] = digest }
        }
        let key = StageRecord.key(
            version: version, tools: tools, stage: stage, configurations: configurations,
            inputs: inputs)
        let recordFile = recordPath(stage.name)
        if !force, let previous = StageRecord.read(recordFile), previous.key == key,
            previous.outputsIntact(runDirectory: recipe.output)
        {
            events(.skipped(stage: stage.name))
            return StageOutcome(record: previous, ran: false)
        }
        let attemptPath = "\(stateDirectory)/\(stage.name).attempt"
        let attempt = FileManager.default.contents(atPath: attemptPath).map {
            String(decoding: $0, as: UTF8.self)
        }
        var commands = stage.commands
        if !force, let resume = stage.resumeArguments, attempt == key,
            FileManager.default.fileExists(atPath: stage.output)
        {
            commands[0].arguments += resume
            events(.resuming(stage: stage.name))
        } else {
            try? FileManager.default.removeItem(atPath: stage.output)
        }
        try? FileManager.default.removeItem(atPath: recordFile)
        try write(key, to: attemptPath)
        do {
            try FileManager.default.createDirectory(
                atPath: stage.output, withIntermediateDirectories: true)
        } catch {
            throw .cannotWrite(path: stage.output, reason: "\(error)")
        }
        // One log per stage run: each command appends its line and its output.
        guard FileManager.default.createFile(atPath: logPath(stage.name), contents: nil) else {
            throw .cannotWrite(path: logPath(stage.name), reason: "cannot create the stage log")
        }
        let started = Date()
        for command in commands { try execute(command, stage: stage.name) }
        let seconds = Date().timeIntervalSince(started)
        let outputs: [String: String]
        do {
            outputs = try ContentDigest.files(under: stage.output, relativeTo: recipe.output)
        } catch {
            throw .cannotPrepare(stage: stage.name, reason: "output \(error)")
        }
        let record = StageRecord(
            stage: stage.name, key: key, commands: commands.map(\.words),
            inputs: inputs, outputs: outputs,
            started: ISO8601DateFormatter().string(from: started), seconds: seconds)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = (try? encoder.encode(record)) ?? Data()
        try write(String(decoding: data, as: UTF8.self), to: recordFile)
        try? FileManager.default.removeItem(atPath: attemptPath)
        events(.finished(stage: stage.name, seconds: seconds))
        return StageOutcome(record: record, ran: true)
    }

    /// Runs one child process, passing its standard error (and standard output, unless the
    /// command captures it) on as `.output` events and appending it to RUN/logs/STAGE.log.
    func execute(_ command: Stage.Command, stage: String) throws(RunError) {
        if stopRequested() { throw .interrupted(stage: stage) }
        let tool = "\(toolDirectory)/\(command.tool)"
        // Under a launcher the tool becomes one of its arguments (mpirun -np 4 …/khudi-train …).
        var executable = tool
        var arguments = command.arguments
        if let launcher = command.launcher.first {
            guard let found = Self.executable(named: launcher) else {
                throw .missingLauncher(launcher, stage: stage)
            }
            executable = found
            arguments = Array(command.launcher.dropFirst()) + [tool] + command.arguments
        }
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else {
            throw .cannotWrite(path: "a pipe", reason: String(cString: strerror(errno)))
        }
        // Only the child's copies (made by dup2 in the spawn) stay open across its exec.
        for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        let capture = command.standardOutput.map { $0 + ".tmp-\(getpid())" }
        var captureDescriptor: Int32 = -1
        if let capture {
            captureDescriptor = open(capture, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard captureDescriptor >= 0 else {
                close(pipeEnds[0])
                close(pipeEnds[1])
                throw .cannotWrite(path: capture, reason: String(cString: strerror(errno)))
            }
        }
        let logFile = logPath(stage)
        let log = FileHandle(forWritingAtPath: logFile)
        _ = try? log?.seekToEnd()
        defer { try? log?.close() }
        events(.started(stage: stage, command: command.words))
        log?.write(Data(("$ " + ([executable] + arguments).joined(separator: " ") + "\n").utf8))
        let child: ChildProcess
        do {
            child = try ChildProcess.spawn(
                executable, arguments: arguments,
                environment: ProcessInfo.processInfo.environment.merging(environment) { $1 },
                standardOutput: capture == nil ? pipeEnds[1] : captureDescriptor,
                standardError: pipeEnds[1])
        } catch {
            close(pipeEnds[0])
            close(pipeEnds[1])
            if captureDescriptor >= 0 { close(captureDescriptor) }
            throw .missingTool(command.tool, directory: toolDirectory)
        }
        childStarted(child.pid)
        close(pipeEnds[1])
        let tail = relay(from: pipeEnds[0], stage: stage, log: log)
        close(pipeEnds[0])
        let status = child.wait()
        childStarted(0)
        let interrupted = stopRequested()
        if let capture, let destination = command.standardOutput {
            fsync(captureDescriptor)
            close(captureDescriptor)
            if status == 0, !interrupted {
                guard rename(capture, destination) == 0 else {
                    throw .cannotWrite(path: destination, reason: String(cString: strerror(errno)))
                }
            } else {
                unlink(capture)
            }
        }
        if interrupted { throw .interrupted(stage: stage) }
        guard status == 0 else {
            throw .failed(stage: stage, status: status, log: logFile, tail: tail)
        }
    }

    /// `name` as an executable path: itself when it holds a slash, else the first match on
    /// PATH (as a shell finds a command); nil when there is none.
    static func executable(named name: String) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(name)"
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory),
                !isDirectory.boolValue, access(candidate, X_OK) == 0
            {
                return candidate
            }
        }
        return nil
    }

    /// Reads the child's output until it closes, passing each line on as an `.output` event
    /// and every byte into the log; returns the last lines for an error message.
    func relay(from descriptor: Int32, stage: String, log: FileHandle?) -> [String] {
        var tail: [String] = []
        var pending = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        func emit(_ bytes: Data) {
            let line = String(decoding: bytes, as: UTF8.self)
            guard !line.isEmpty else { return }
            events(.output(stage: stage, line: line))
            tail.append(line)
            if tail.count > 12 { tail.removeFirst() }
        }
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            let chunk = Data(buffer[0..<count])
            log?.write(chunk)
            pending.append(chunk)
            while let end = pending.firstIndex(where: { $0 == 0x0A || $0 == 0x0D }) {
                emit(pending[pending.startIndex..<end])
                pending.removeSubrange(pending.startIndex...end)
            }
        }
        emit(pending)
        return tail
    }
}
