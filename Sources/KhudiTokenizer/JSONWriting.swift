import Foundation

/// A vocabulary to write as a JSON object in id order (`"piece": id, …`), as Hugging Face lays
/// out `model.vocab`.
struct OrderedVocabulary {
    var entries: [(String, Int)]

    /// Each name with its index as id; a name spelled again (byte for byte) keeps its first
    /// id, since a JSON object cannot hold one key twice.
    init(ids names: [String]) {
        var seen = Set<[UInt8]>()
        entries = names.enumerated().compactMap { id, name in
            seen.insert(Array(name.utf8)).inserted ? (name, id) : nil
        }
    }
}

/// Writes tokenizer.json from `[String: Any]` objects (keys sorted), arrays, strings, numbers,
/// booleans, `NSNull` and `OrderedVocabulary`, in the layout of Foundation's pretty printer.
///
/// Foundation's `JSONSerialization` with sorted keys spent seconds sorting a 32k vocabulary
/// through `AnyHashable`, a quarter of a whole tokenizer training run.
enum JSONWriting {
    static func data(_ value: Any) -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(1 << 20)
        write(value, into: &out, indent: 0)
        return Data(out)
    }

    private static func newline(_ out: inout [UInt8], _ indent: Int) {
        out.append(0x0A)
        out += [UInt8](repeating: 0x20, count: indent)
    }

    private static func write(_ value: Any, into out: inout [UInt8], indent: Int) {
        switch value {
        case let vocabulary as OrderedVocabulary:
            writeObject(vocabulary.entries.map { ($0.0, $0.1 as Any) }, into: &out, indent: indent)
        case let object as [String: Any]:
            writeObject(object.sorted { $0.key < $1.key }, into: &out, indent: indent)
        case let array as [Any]:
            writeArray(array, into: &out, indent: indent)
        case let string as String:
            writeString(string, into: &out)
        case let flag as Bool:
            out += Array((flag ? "true" : "false").utf8)
        case let integer as Int:
            out += Array(String(integer).utf8)
        case let number as Double:
            out += Array((number.isFinite ? "\(number)" : "null").utf8)
        case let number as Float:
            out += Array((number.isFinite ? "\(Double(number))" : "null").utf8)
        default:
            out += Array("null".utf8)
        }
    }

    private static func writeObject(
        _ members: [(String, Any)], into out: inout [UInt8], indent: Int
    ) {
        guard !members.isEmpty else { return out += Array("{}".utf8) }
        out.append(UInt8(ascii: "{"))
        for (index, (key, value)) in members.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            newline(&out, indent + 2)
            writeString(key, into: &out)
            out += Array(" : ".utf8)
            write(value, into: &out, indent: indent + 2)
        }
        newline(&out, indent)
        out.append(UInt8(ascii: "}"))
    }

    /// Arrays of plain values (a merge pair, a Unigram entry) stay on one line.
    private static func writeArray(_ array: [Any], into out: inout [UInt8], indent: Int) {
        guard !array.isEmpty else { return out += Array("[]".utf8) }
        let flat = array.allSatisfy { !($0 is [Any] || $0 is [String: Any]) }
        out.append(UInt8(ascii: "["))
        for (index, element) in array.enumerated() {
            if index > 0 { out += flat ? Array(", ".utf8) : [UInt8(ascii: ",")] }
            if !flat { newline(&out, indent + 2) }
            write(element, into: &out, indent: indent + 2)
        }
        if !flat { newline(&out, indent) }
        out.append(UInt8(ascii: "]"))
    }

    /// A JSON string: quotes, backslashes and control characters escaped, the rest as UTF-8.
    static func writeString(_ string: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += Array("\\\"".utf8)
            case UInt8(ascii: "\\"): out += Array("\\\\".utf8)
            case 0x0A: out += Array("\\n".utf8)
            case 0x0D: out += Array("\\r".utf8)
            case 0x09: out += Array("\\t".utf8)
            case 0..<0x20:
                out += Array("\\u00".utf8)
                out += Array(String(byte, radix: 16).leftPadded(to: 2).utf8)
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
