import Foundation
import KhudiTokenizer
import Testing

@Suite struct TokenShardTests {
    func write(_ data: Data) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "shard-\(UUID().uuidString).bin")
        try data.write(to: url)
        return url.path
    }

    @Test(arguments: [800, 100_000])
    func roundTripsBothWidths(vocabulary: Int) throws {
        let tokens = [5, 7, 2, 799, 0, 2]
        let path = try write(
            TokenShard.encode(tokens: tokens, documents: 2, vocabularySize: vocabulary, eosID: 2))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let shard = try TokenShard(path: path)
        #expect(shard.bytesPerToken == (vocabulary <= 65_536 ? 2 : 4))
        #expect(shard.tokenCount == 6)
        #expect(shard.documentCount == 2)
        #expect(shard.eosID == 2)
        #expect(shard.vocabularySize == vocabulary)
        #expect(shard.tokens(0..<6) == tokens)
    }

    @Test func badFilesNameTheField() throws {
        let good = TokenShard.encode(
            tokens: [1, 2, 3], documents: 1, vocabularySize: 800, eosID: 2)
        let truncated = try write(good.prefix(good.count - 1))
        let wrongMagic = try write(Data("NOTATOKE".utf8) + good.dropFirst(8))
        let tiny = try write(Data([1, 2, 3]))
        defer {
            for path in [truncated, wrongMagic, tiny] {
                try? FileManager.default.removeItem(atPath: path)
            }
        }
        #expect(
            throws: TokenShardError.bad(
                truncated, "token count",
                "header says 3 tokens (70 bytes) but the file has 69 bytes (truncated or padded)")
        ) {
            try TokenShard(path: truncated)
        }
        #expect(throws: TokenShardError.bad(wrongMagic, "magic", "not a Khudi token shard")) {
            try TokenShard(path: wrongMagic)
        }
        #expect(
            throws: TokenShardError.bad(
                tiny, "header", "file has 3 bytes, fewer than the 64-byte header")
        ) { try TokenShard(path: tiny) }
        #expect(throws: TokenShardError.self) { try TokenShard(path: "/nonexistent/shard.bin") }
    }
}
