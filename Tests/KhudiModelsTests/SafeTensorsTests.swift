import Foundation
import Testing

@testable import KhudiModels

@Suite final class SafeTensorsTests {
    let directory: String = {
        let path = NSTemporaryDirectory() + "khudi-safetensors-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func written(_ writer: SafeTensorsWriter, _ name: String = "model.safetensors") throws -> String
    {
        let path = "\(directory)/\(name)"
        try writer.write(to: path)
        return path
    }

    /// A file from a hand-written header and data (for the bad-input cases).
    func raw(_ header: String, data: [UInt8] = [], lengthOverride: UInt64? = nil) -> String {
        let path = "\(directory)/raw-\(UUID().uuidString).safetensors"
        var bytes: [UInt8] = []
        withUnsafeBytes(of: (lengthOverride ?? UInt64(header.utf8.count)).littleEndian) {
            bytes += $0
        }
        bytes += Array(header.utf8) + data
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    func openError(_ path: String) -> SafeTensorsError? {
        do {
            _ = try SafeTensorsFile(path: path)
            return nil
        } catch {
            return error
        }
    }

    @Test func roundTripsFloat32Float16AndBFloat16() throws {
        var writer = SafeTensorsWriter(metadata: ["format": "pt", "khudi": "test \"quoted\""])
        let values: [Float] = [0, -0.0, 1, -2.5, 0.1, 65504, 1e-7, 3.140625, .infinity]
        writer.add("b.f32", shape: [3, 3], values: values)
        writer.add("a.f16", shape: [9], values: values, as: .f16)
        writer.add("c.bf16", shape: [9], values: values, as: .bf16)
        writer.add("scalar", shape: [], values: [7])
        writer.add("empty", shape: [0, 4], values: [])
        let file = try SafeTensorsFile(path: try written(writer))
        #expect(try file.floats("b.f32") == values)
        #expect(try file.floats("a.f16") == values.map { Float(Float16($0)) })
        // bfloat16 keeps 8 mantissa bits: 0.1 becomes 0.10009765625, 3.140625 is exact.
        let brain = try file.floats("c.bf16")
        #expect(brain[4] == 0.100_097_656_25)
        #expect(brain[7] == 3.140625)
        #expect(brain[8] == .infinity)
        #expect(try file.floats("scalar") == [7])
        #expect(try file.info("scalar").shape == [])
        #expect(try file.floats("empty") == [])
        #expect(file.metadata == ["format": "pt", "khudi": "test \"quoted\""])
    }

    @Test func layoutFollowsTheReferenceWriter() throws {
        var writer = SafeTensorsWriter()
        writer.add("z", shape: [1], values: [1], as: .f16)
        writer.add("y", shape: [2], values: [1, 2])
        writer.add("x", shape: [1], values: [3])
        let bytes = writer.serialized()
        let headerLength = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.1) << (8 * $1.0) }
        #expect(headerLength % 8 == 0)
        let file = try SafeTensorsFile(path: try written(writer))
        // Wider dtypes first, then by name: x and y (F32) before z (F16).
        #expect(file.tensors.map(\.name) == ["x", "y", "z"])
        #expect(file.tensors.map(\.byteRange) == [0..<4, 4..<12, 12..<14])
    }

    @Test func halfPrecisionRoundsToNearestEven() {
        // 1 + 2⁻⁸ lies halfway between two bfloat16 values; the even one is 1.
        #expect(HalfPrecision.brain(from: 1 + 0x1p-8) == 0x3F80)
        #expect(HalfPrecision.brain(from: 1 + 0x1p-8 + 0x1p-20) == 0x3F81)
        #expect(HalfPrecision.float(fromBrain: HalfPrecision.brain(from: .nan)).isNaN)
        #expect(HalfPrecision.half(from: 1) == 0x3C00)
        #expect(HalfPrecision.float(fromHalf: 0x0001) == 0x1p-24)  // smallest subnormal
    }

    @Test func truncatedAndOversizedHeadersAreRefused() {
        let emptyHeader = raw("")
        guard case .malformedHeader = openError(emptyHeader) else {
            Issue.record("an empty header accepted")
            return
        }
        let short = "\(directory)/short.safetensors"
        _ = FileManager.default.createFile(atPath: short, contents: Data([1, 2, 3]))
        #expect(openError(short) == .tooShort(path: short, size: 3))
        let beyond = raw("{}", lengthOverride: 4096)
        #expect(openError(beyond) == .headerBeyondFile(path: beyond, length: 4096, fileSize: 10))
        let huge = raw("{}", lengthOverride: 100_000_001)
        #expect(openError(huge) == .headerTooLarge(path: huge, length: 100_000_001))
    }

    @Test func malformedHeadersNameTheProblem() {
        for header in [
            "[]", "{", "{\"a\": 1}", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"extra\":1}}",
            "{\"__metadata__\":{\"k\":1}}", "{} x",
        ] {
            let path = raw(header, data: [0, 0, 0, 0])
            guard case .malformedHeader(let named, _) = openError(path) else {
                Issue.record("\(header) was not refused as malformed")
                continue
            }
            #expect(named == path)
        }
    }

    @Test func duplicateNamesAreRefused() {
        let tensor = "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}"
        let path = raw("{\"w\":\(tensor),\"w\":\(tensor)}", data: [0, 0, 0, 0])
        #expect(openError(path) == .duplicateTensor(path: path, name: "w"))
    }

    @Test func unknownDTypesAreRefused() {
        let path = raw(
            "{\"w\":{\"dtype\":\"F12\",\"shape\":[1],\"data_offsets\":[0,4]}}", data: [0, 0, 0, 0])
        #expect(openError(path) == .unknownDType(path: path, tensor: "w", dtype: "F12"))
    }

    @Test func offsetsMustCoverTheBufferExactly() {
        func tensor(_ name: String, _ begin: Int, _ end: Int, shape: Int = 1) -> String {
            "\"\(name)\":{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(begin),\(end)]}"
        }
        let data = [UInt8](repeating: 0, count: 8)
        let outOfRange = raw("{\(tensor("a", 0, 4)),\(tensor("b", 4, 12, shape: 2))}", data: data)
        guard case .badOffsets(_, "b", _) = openError(outOfRange) else {
            Issue.record("offsets past the buffer accepted")
            return
        }
        let wrongSize = raw("{\(tensor("a", 0, 8))}", data: data)
        guard case .badOffsets(_, "a", _) = openError(wrongSize) else {
            Issue.record("8 bytes for one F32 accepted")
            return
        }
        // 2⁶² F32 elements: the byte count overflows Int.
        let huge = raw(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904],\"data_offsets\":[0,8]}}",
            data: data)
        guard case .badOffsets(_, "a", _) = openError(huge) else {
            Issue.record("an overflowing shape accepted")
            return
        }
        let overlapping = raw("{\(tensor("a", 0, 4)),\(tensor("b", 2, 6))}", data: data)
        #expect(openError(overlapping) == .overlap(path: overlapping, first: "a", second: "b"))
        let hole = raw("{\(tensor("a", 0, 4))}", data: data)
        guard case .uncoveredBytes(_, 4, _) = openError(hole) else {
            Issue.record("trailing bytes accepted")
            return
        }
        let gap = raw("{\(tensor("a", 4, 8))}", data: data)
        guard case .uncoveredBytes(_, 0, _) = openError(gap) else {
            Issue.record("a hole before the first tensor accepted")
            return
        }
    }

    @Test func missingAndNonFloatTensorsAreNamed() throws {
        var writer = SafeTensorsWriter()
        writer.add("ids", dtype: .i32, shape: [2], bytes: [1, 0, 0, 0, 2, 0, 0, 0])
        let path = try written(writer)
        let file = try SafeTensorsFile(path: path)
        #expect(throws: SafeTensorsError.missingTensor(path: path, name: "wte.weight")) {
            try file.floats("wte.weight")
        }
        #expect(throws: SafeTensorsError.notFloatingPoint(path: path, tensor: "ids", dtype: "I32"))
        {
            try file.floats("ids")
        }
        let bytes = try file.withBytes(of: "ids") { Array($0) }
        #expect(bytes == [1, 0, 0, 0, 2, 0, 0, 0])
    }

    @Test func aDirectoryIsNotAFile() {
        guard case .cannotOpen(let path, _) = openError(directory) else {
            Issue.record("a directory opened as safetensors")
            return
        }
        #expect(path == directory)
    }
}
