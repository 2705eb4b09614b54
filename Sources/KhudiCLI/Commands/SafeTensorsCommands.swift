import ArgumentParser
import Foundation
import KhudiModels

/// `khudi safetensors`: look inside safetensors checkpoints and change their precision.
public struct SafeTensorsCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "safetensors",
        abstract: "Inspect safetensors files and convert their floating-point precision.",
        subcommands: [SafeTensorsShowCommand.self, SafeTensorsConvertCommand.self])

    public init() {}
}

/// `khudi safetensors show FILE`: the header, checked, and a summary of every tensor.
public struct SafeTensorsShowCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Check a safetensors file and list its tensors (dtype, shape, parameter count).",
        discussion: """
            The file is checked by the reference reader's rules (header size, duplicate names, \
            dtypes, offsets covering the data exactly); a broken file exits 65 naming the problem. \
            With --json, each tensor also gets the sum of its values as Float32 (F32, F16, BF16).
            """)

    @Argument(help: "The .safetensors file.")
    var file: String

    @Flag(help: "Print JSON (tensors, metadata, parameter count) instead of a table.")
    var json = false

    public init() {}

    public func run() throws {
        try reportingErrors(tool: "khudi safetensors show") {
            let checkpoint = try SafeTensorsCommand.open(file)
            let parameters = checkpoint.tensors.reduce(0) { $0 + $1.elementCount }
            if json {
                var tensors: [[String: Any]] = []
                for tensor in checkpoint.tensors {
                    var entry: [String: Any] = [
                        "name": tensor.name, "dtype": tensor.dtype.rawValue, "shape": tensor.shape,
                    ]
                    if [.f32, .f16, .bf16].contains(tensor.dtype) {
                        // Summed in Double, so the figure does not depend on float rounding.
                        entry["sum"] = try checkpoint.floats(tensor.name).reduce(0.0) {
                            $0 + Double($1)
                        }
                    }
                    tensors.append(entry)
                }
                let object: [String: Any] = [
                    "tensors": tensors, "metadata": checkpoint.metadata, "parameters": parameters,
                ]
                let data = try JSONSerialization.data(
                    withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
                print(String(decoding: data, as: UTF8.self))
                return
            }
            for tensor in checkpoint.tensors {
                print("\(tensor.name)\t\(tensor.dtype.rawValue)\t\(tensor.shape)")
            }
            print("\(checkpoint.tensors.count) tensors, \(parameters) parameters")
            for key in checkpoint.metadata.keys.sorted() {
                print("metadata \(key): \(checkpoint.metadata[key] ?? "")")
            }
        }
    }
}

/// `khudi safetensors convert IN --output OUT --dtype f16`: every floating-point tensor stored
/// in the chosen precision, other tensors and the metadata kept.
public struct SafeTensorsConvertCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Rewrite a safetensors file with its floating-point tensors as F32, F16 or BF16.",
        discussion: """
            Rounding is to nearest even, as PyTorch's .half() and .bfloat16(); integer and other \
            tensors are copied unchanged. The metadata is kept, with khudi_converted_from added. \
            The output is written atomically (temporary file, fsync, rename).
            """)

    @Argument(help: "The .safetensors file to read.")
    var input: String

    @Option(help: "The .safetensors file to write.")
    var output: String

    @Option(help: "f32, f16 or bf16.")
    var dtype: String

    @Flag(help: "Replace --output if it exists.")
    var overwrite = false

    public init() {}

    public func run() throws {
        try reportingErrors(tool: "khudi safetensors convert") {
            let target: SafeTensorsDType
            switch dtype.lowercased() {
            case "f32": target = .f32
            case "f16": target = .f16
            case "bf16": target = .bf16
            default:
                throw UserError(
                    "--dtype '\(dtype)' is not one of f32, f16, bf16", exitCode: ExitStatus.usage)
            }
            if FileManager.default.fileExists(atPath: output) && !overwrite {
                throw UserError(
                    "'\(output)' already exists; use --overwrite to replace it",
                    exitCode: ExitStatus.cannotCreate)
            }
            let checkpoint = try SafeTensorsCommand.open(input)
            var metadata = checkpoint.metadata
            metadata["khudi_converted_from"] = URL(fileURLWithPath: input).lastPathComponent
            var writer = SafeTensorsWriter(metadata: metadata)
            for tensor in checkpoint.tensors {
                if [.f32, .f16, .bf16].contains(tensor.dtype) {
                    writer.add(
                        tensor.name, shape: tensor.shape,
                        values: try checkpoint.floats(tensor.name),
                        as: target)
                } else {
                    writer.add(
                        tensor.name, dtype: tensor.dtype, shape: tensor.shape,
                        bytes: try checkpoint.withBytes(of: tensor.name) { Array($0) })
                }
            }
            do {
                try writer.write(to: output)
            } catch {
                throw UserError("\(error)", exitCode: ExitStatus.cannotCreate)
            }
            print("wrote \(checkpoint.tensors.count) tensors as \(target.rawValue) to \(output)")
        }
    }
}

extension SafeTensorsCommand {
    /// Opens a checkpoint; a missing file exits 66, a broken one 65, each naming the problem.
    static func open(_ path: String) throws -> SafeTensorsFile {
        guard FileManager.default.fileExists(atPath: path) else {
            throw UserError("'\(path)' does not exist", exitCode: ExitStatus.noInput)
        }
        do {
            return try SafeTensorsFile(path: path)
        } catch {
            throw UserError("\(error)", exitCode: ExitStatus.dataError)
        }
    }
}
