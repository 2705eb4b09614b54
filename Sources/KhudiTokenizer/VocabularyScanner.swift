import Foundation

/// Reads the `model.vocab` object of a tokenizer.json as (piece, id) pairs, every key kept
/// byte for byte.
///
/// Foundation's JSON parsers build Swift dictionaries, whose String keys compare by canonical
/// equivalence: a vocabulary holding both "آ" (U+0622) and "ا" + U+0653 (the same text
/// decomposed), as tokenizers without a normalizer do, would silently lose one of them. This
/// small scanner walks the JSON text itself and returns the pairs in file order.
enum VocabularyScanner {
    /// The pairs of `model.vocab` if it is an object of integers; nil when it is absent or
    /// something else (a Unigram vocabulary is an array, which Foundation reads safely).
    static func pieces(in data: Data) throws(TokenizerFileError) -> [(piece: [UInt8], id: Int)]? {
        var scanner = Scanner(bytes: [UInt8](data))
        do {
            return try scanner.findModelVocabulary()
        } catch {
            throw .malformed("model.vocab: \(error.detail)")
        }
    }

    struct Failure: Error { let detail: String }

    struct Scanner {
        let bytes: [UInt8]
        var position = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        }

        /// Walks the root object to "model", then to "vocab".
        mutating func findModelVocabulary() throws(Failure) -> [(piece: [UInt8], id: Int)]? {
            var found: [(piece: [UInt8], id: Int)]?
            try eachMember { scanner, key throws(Failure) in
                guard key == Array("model".utf8) else { return try scanner.skipValue() }
                try scanner.eachMember { inner, field throws(Failure) in
                    guard field == Array("vocab".utf8), inner.peek() == UInt8(ascii: "{") else {
                        return try inner.skipValue()
                    }
                    var pairs: [(piece: [UInt8], id: Int)] = []
                    try inner.eachMember { entry, piece throws(Failure) in
                        pairs.append((piece, try entry.integer()))
                    }
                    found = pairs
                }
            }
            return found
        }

        func peek() -> UInt8? {
            var index = position
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) {
                index += 1
            }
            return index < bytes.count ? bytes[index] : nil
        }

        mutating func skipSpace() {
            while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) {
                position += 1
            }
        }

        mutating func expect(_ byte: UInt8) throws(Failure) {
            skipSpace()
            guard position < bytes.count, bytes[position] == byte else {
                throw Failure(
                    detail: "expected '\(Character(Unicode.Scalar(byte)))' at byte \(position)")
            }
            position += 1
        }

        /// Calls `body` with each key of the object here, `body` consuming the value.
        mutating func eachMember(
            _ body: (inout Scanner, [UInt8]) throws(Failure) -> Void
        ) throws(Failure) {
            try expect(UInt8(ascii: "{"))
            if peek() == UInt8(ascii: "}") {
                try expect(UInt8(ascii: "}"))
                return
            }
            while true {
                let key = try string()
                try expect(UInt8(ascii: ":"))
                try body(&self, key)
                skipSpace()
                guard position < bytes.count else { throw Failure(detail: "unterminated object") }
                let next = bytes[position]
                position += 1
                if next == UInt8(ascii: "}") { return }
                guard next == UInt8(ascii: ",") else {
                    throw Failure(detail: "expected ',' or '}' at byte \(position - 1)")
                }
            }
        }

        /// A JSON string's UTF-8, escapes decoded.
        mutating func string() throws(Failure) -> [UInt8] {
            try expect(UInt8(ascii: "\""))
            var result: [UInt8] = []
            while position < bytes.count {
                let byte = bytes[position]
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return result
                case UInt8(ascii: "\\"):
                    try escape(into: &result)
                default:
                    result.append(byte)
                }
            }
            throw Failure(detail: "unterminated string")
        }

        private mutating func escape(into result: inout [UInt8]) throws(Failure) {
            guard position < bytes.count else { throw Failure(detail: "unterminated escape") }
            let kind = bytes[position]
            position += 1
            let simple: [UInt8: UInt8] = [
                UInt8(ascii: "\""): 0x22, UInt8(ascii: "\\"): 0x5C, UInt8(ascii: "/"): 0x2F,
                UInt8(ascii: "b"): 0x08, UInt8(ascii: "f"): 0x0C, UInt8(ascii: "n"): 0x0A,
                UInt8(ascii: "r"): 0x0D, UInt8(ascii: "t"): 0x09,
            ]
            if let plain = simple[kind] {
                result.append(plain)
                return
            }
            guard kind == UInt8(ascii: "u") else {
                throw Failure(detail: "bad escape at byte \(position - 1)")
            }
            var value = try hex4()
            if (0xD800..<0xDC00).contains(value), bytes[position...].starts(with: Array("\\u".utf8))
            {
                position += 2
                let low = try hex4()
                value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
            }
            let scalar = Unicode.Scalar(value) ?? "\u{FFFD}"
            result += Array(String(scalar).utf8)
        }

        private mutating func hex4() throws(Failure) -> UInt32 {
            guard position + 4 <= bytes.count,
                let value = UInt32(
                    String(decoding: bytes[position..<(position + 4)], as: UTF8.self), radix: 16)
            else {
                throw Failure(detail: "bad \\u escape at byte \(position)")
            }
            position += 4
            return value
        }

        mutating func integer() throws(Failure) -> Int {
            skipSpace()
            let start = position
            while position < bytes.count,
                bytes[position] == UInt8(ascii: "-") || (0x30...0x39).contains(bytes[position])
            {
                position += 1
            }
            guard let value = Int(String(decoding: bytes[start..<position], as: UTF8.self)) else {
                throw Failure(detail: "expected an integer id at byte \(start)")
            }
            return value
        }

        /// Skips any JSON value.
        mutating func skipValue() throws(Failure) {
            skipSpace()
            guard position < bytes.count else { throw Failure(detail: "unexpected end") }
            switch bytes[position] {
            case UInt8(ascii: "\""):
                _ = try string()
            case UInt8(ascii: "{"):
                try eachMember { inner, _ throws(Failure) in try inner.skipValue() }
            case UInt8(ascii: "["):
                position += 1
                if peek() == UInt8(ascii: "]") {
                    try expect(UInt8(ascii: "]"))
                    return
                }
                while true {
                    try skipValue()
                    skipSpace()
                    guard position < bytes.count else {
                        throw Failure(detail: "unterminated array")
                    }
                    let next = bytes[position]
                    position += 1
                    if next == UInt8(ascii: "]") { return }
                    guard next == UInt8(ascii: ",") else {
                        throw Failure(detail: "expected ',' or ']' at byte \(position - 1)")
                    }
                }
            default:
                // Numbers, true, false, null: up to the next delimiter.
                while position < bytes.count,
                    ![
                        UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x0A, 0x0D,
                        0x09,
                    ]
                    .contains(bytes[position])
                {
                    position += 1
                }
            }
        }
    }
}
