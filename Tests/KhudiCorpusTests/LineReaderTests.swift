import Foundation
import Testing

@testable import KhudiCorpus

/// Lines read through chunks smaller than the lines: LF and CRLF ends, empty lines, a last
/// line without a newline, and a line spanning many chunks, against a plain split.
@Suite struct LineReaderTests {
    @Test(arguments: [1, 3, 7, 64])
    func linesAcrossChunkBoundaries(chunkSize: Int) throws {
        let long = String(repeating: "ایک سطر ", count: 40)
        let text = "پہلی\r\nدوسری\n\n\(long)\nx\r\n\r\nآخری"
        let path = NSTemporaryDirectory() + "khudi-lines-\(UUID().uuidString).txt"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let handle = try #require(FileHandle(forReadingAtPath: path))
        defer { try? handle.close() }
        var reader = LineReader(handle: handle, chunkSize: chunkSize)
        var lines: [String] = []
        while let line = try reader.nextLine() {
            lines.append(String(decoding: line, as: UTF8.self))
        }
        #expect(lines == ["پہلی", "دوسری", "", long, "x", "", "آخری"])
        #expect(reader.lineNumber == 7)
    }
}
