/// The parsed JSON header of a safetensors file.
///
/// A strict parser of its own, rather than JSONSerialization, because the format's rules need
/// what Foundation hides: a name that appears twice must be refused (Foundation keeps one), and
/// every error should say where in the header it is.
struct SafeTensorsHeader {
    struct Entry {
        var name: String
        var dtype: String
        var shape: [Int]
        var begin: Int
        var end: Int
    }

    var entries: [Entry] = []
    var metadata: [String: String] = [:]

    /// Parses `bytes`; errors are `(reason)` strings for `SafeTensorsError.malformedHeader`, or a
    /// duplicate tensor name.
    init(_ bytes: UnsafeRawBufferPointer) throws(HeaderProblem) {
        var parser = Parser(bytes: bytes)
        parser.skipWhitespace()
        try parser.expect(UInt8(ascii: "{"))
        var seen: Set<String> = []
        var entries: [Entry] = []
        var metadata: [String: String] = [:]
        try parser.members { parser, name throws(HeaderProblem) in
            guard seen.insert(name).inserted else { throw .duplicate(name) }
            if name == "__metadata__" {
                metadata = try parser.stringMap()
            } else {
                entries.append(try parser.tensor(named: name))
            }
        }
        self.entries = entries
        self.metadata = metadata
        parser.skipWhitespace()
        guard parser.position == bytes.count else {
            throw .malformed("unexpected text after the header object at byte \(parser.position)")
        }
    }

    enum HeaderProblem: Error {
        case malformed(String)
        case duplicate(String)
    }

    /// A cursor over the header bytes with the few JSON forms the header uses.
    private struct Parser {
        let bytes: UnsafeRawBufferPointer
        var position = 0

        func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipWhitespace() {
            while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
                position += 1
            }
        }

        func problem(_ what: String) -> HeaderProblem {
            .malformed("\(what) at byte \(position)")
        }

        mutating func expect(_ byte: UInt8) throws(HeaderProblem) {
            guard peek() == byte else {
                throw problem("expected '\(Character(Unicode.Scalar(byte)))'")
            }
            position += 1
        }

        /// A JSON string, escapes decoded.
        mutating func string() throws(HeaderProblem) -> String {
            try expect(UInt8(ascii: "\""))
            var utf8: [UInt8] = []
            while true {
                guard let byte = peek() else { throw problem("unterminated string") }
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    guard let text = String(validating: utf8, as: UTF8.self) else {
                        throw problem("invalid UTF-8 in a string")
                    }
                    return text
                case UInt8(ascii: "\\"):
                    guard let escape = peek() else { throw problem("unterminated escape") }
                    position += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"):
                        utf8.append(escape)
                    case UInt8(ascii: "b"): utf8.append(0x08)
                    case UInt8(ascii: "f"): utf8.append(0x0C)
                    case UInt8(ascii: "n"): utf8.append(0x0A)
                    case UInt8(ascii: "r"): utf8.append(0x0D)
                    case UInt8(ascii: "t"): utf8.append(0x09)
                    case UInt8(ascii: "u"):
                        var value = try hex4()
                        if (0xD800..<0xDC00).contains(value) {
                            // A surrogate pair: \uD83D\uDE00.
                            try expect(UInt8(ascii: "\\"))
                            try expect(UInt8(ascii: "u"))
                            let low = try hex4()
                            guard (0xDC00..<0xE000).contains(low) else {
                                throw problem("unpaired surrogate")
                            }
                            value = 0x10000 + (value - 0xD800) << 10 + (low - 0xDC00)
                        }
                        guard let scalar = Unicode.Scalar(value) else {
                            throw problem("invalid \\u escape")
                        }
                        utf8.append(contentsOf: String(scalar).utf8)
                    default:
                        throw problem("invalid escape")
                    }
                case 0..<0x20:
                    throw problem("control character in a string")
                default:
                    utf8.append(byte)
                }
            }
        }

        mutating func hex4() throws(HeaderProblem) -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let byte = peek(), let digit = Character(Unicode.Scalar(byte)).hexDigitValue
                else { throw problem("invalid \\u escape") }
                value = value * 16 + UInt32(digit)
                position += 1
            }
            return value
        }

        /// A non-negative integer (offsets and dimensions).
        mutating func integer() throws(HeaderProblem) -> Int {
            let start = position
            var value = 0
            while let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
                guard !overflow1 && !overflow2 else { throw problem("integer too large") }
                value = sum
                position += 1
            }
            guard position > start else { throw problem("expected a non-negative integer") }
            return value
        }

        mutating func integers() throws(HeaderProblem) -> [Int] {
            try expect(UInt8(ascii: "["))
            var values: [Int] = []
            try elements(until: UInt8(ascii: "]")) { parser throws(HeaderProblem) in
                values.append(try parser.integer())
            }
            return values
        }

        /// Comma-separated elements up to `close` (the opening bracket already read).
        mutating func elements(
            until close: UInt8, _ element: (inout Parser) throws(HeaderProblem) -> Void
        ) throws(HeaderProblem) {
            skipWhitespace()
            if peek() == close {
                position += 1
                return
            }
            while true {
                skipWhitespace()
                try element(&self)
                skipWhitespace()
                guard peek() == UInt8(ascii: ",") else { return try expect(close) }
                position += 1
            }
        }

        /// An object's `"key": value` members (the `{` already read); `member` reads the value.
        mutating func members(
            _ member: (inout Parser, String) throws(HeaderProblem) -> Void
        ) throws(HeaderProblem) {
            try elements(until: UInt8(ascii: "}")) { parser throws(HeaderProblem) in
                let key = try parser.string()
                parser.skipWhitespace()
                try parser.expect(UInt8(ascii: ":"))
                parser.skipWhitespace()
                try member(&parser, key)
            }
        }

        /// `{"k": "v", ...}` (the `__metadata__` map: strings only).
        mutating func stringMap() throws(HeaderProblem) -> [String: String] {
            try expect(UInt8(ascii: "{"))
            var map: [String: String] = [:]
            try members { parser, key throws(HeaderProblem) in
                guard parser.peek() == UInt8(ascii: "\"") else {
                    throw parser.problem("__metadata__ values must be strings ('\(key)' is not)")
                }
                map[key] = try parser.string()
            }
            return map
        }

        /// `{"dtype": "F32", "shape": [..], "data_offsets": [b, e]}` in any key order.
        mutating func tensor(named name: String) throws(HeaderProblem) -> Entry {
            try expect(UInt8(ascii: "{"))
            var dtype: String?
            var shape: [Int]?
            var offsets: [Int]?
            try members { parser, key throws(HeaderProblem) in
                switch key {
                case "dtype": dtype = try parser.string()
                case "shape": shape = try parser.integers()
                case "data_offsets": offsets = try parser.integers()
                default: throw parser.problem("tensor '\(name)' has an unknown field '\(key)'")
                }
            }
            guard let dtype, let shape, let offsets else {
                throw problem("tensor '\(name)' lacks one of dtype, shape, data_offsets")
            }
            guard offsets.count == 2 else {
                throw problem("tensor '\(name)' data_offsets must be [begin, end]")
            }
            return Entry(name: name, dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1])
        }
    }
}
