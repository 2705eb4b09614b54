import Foundation
import KhudiModels
import Testing

/// `khudi safetensors show|convert`: what they print and how they refuse bad input.
@Suite final class SafeTensorsCommandTests {
    let directory = NSTemporaryDirectory() + "khudi-st-cli-\(UUID().uuidString)"

    init() throws {
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func sample() throws -> String {
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        writer.add("wte.weight", shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        let path = "\(directory)/model.safetensors"
        try writer.write(to: path)
        return path
    }

    @Test func showListsTensorsAndParameters() throws {
        let result = try ExecutableRunner.run("khudi", ["safetensors", "show", try sample()])
        #expect(result.status == 0)
        #expect(result.stdout.contains("wte.weight\tF32\t[2, 3]"))
        #expect(result.stdout.contains("1 tensors, 6 parameters"))
    }

    @Test func convertHalvesAndKeepsValuesItCanRepresent() throws {
        let output = "\(directory)/half.safetensors"
        let result = try ExecutableRunner.run(
            "khudi", ["safetensors", "convert", try sample(), "--output", output, "--dtype", "f16"])
        #expect(result.status == 0)
        let file = try SafeTensorsFile(path: output)
        #expect(try file.info("wte.weight").dtype == .f16)
        #expect(try file.floats("wte.weight") == [1, 2, 3, 4, 5, 6])
        #expect(file.metadata["khudi_converted_from"] == "model.safetensors")
    }

    @Test func badInputIsRefusedWithItsExitStatus() throws {
        let missing = try ExecutableRunner.run("khudi", ["safetensors", "show", "/nonexistent.st"])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("'/nonexistent.st' does not exist"))

        let garbage = "\(directory)/garbage.safetensors"
        _ = FileManager.default.createFile(
            atPath: garbage, contents: Data(repeating: 0xFF, count: 64))
        let broken = try ExecutableRunner.run("khudi", ["safetensors", "show", garbage])
        #expect(broken.status == 65)
        #expect(broken.stderr.contains(garbage))

        let path = try sample()
        let dtype = try ExecutableRunner.run(
            "khudi",
            ["safetensors", "convert", path, "--output", "\(directory)/x", "--dtype", "f8"])
        #expect(dtype.status == 64)
        #expect(dtype.stderr.contains("--dtype 'f8'"))

        let exists = try ExecutableRunner.run(
            "khudi", ["safetensors", "convert", path, "--output", path, "--dtype", "f16"])
        #expect(exists.status == 73)
        #expect(exists.stderr.contains("already exists"))
    }
}
