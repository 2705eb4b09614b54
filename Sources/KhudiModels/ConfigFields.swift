import Foundation

/// The fields of a Hugging Face `config.json`, read with errors that name the file and field.
///
/// Both model families parse their configurations through it.
struct ConfigFields {
    let path: String
    let object: [String: Any]

    init(_ object: [String: Any], path: String) {
        self.object = object
        self.path = path
    }

    /// Reads `path`: a missing file is not a model directory, anything but a JSON object is an
    /// invalid file.
    init(contentsOf path: String) throws(ModelError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .notAModel(
                path: (path as NSString).deletingLastPathComponent, reason: "no config.json")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw .invalidField(path: path, field: "(file)", reason: "not a JSON object")
        }
        self.init(object, path: path)
    }

    /// The value of `name`, nil when absent or null.
    func value(_ name: String) -> Any? {
        guard let value = object[name], !(value is NSNull) else { return nil }
        return value
    }

    /// The first of `names` present, which must be a positive integer; `fallback` when none
    /// is, else a missing-field error naming the first name.
    func integer(_ names: String..., default fallback: Int? = nil) throws(ModelError) -> Int {
        for name in names {
            guard let raw = value(name) else { continue }
            guard let number = raw as? Int, number > 0 else {
                throw .invalidField(path: path, field: name, reason: "expected a positive integer")
            }
            return number
        }
        if let fallback { return fallback }
        throw .missingField(path: path, field: names[0])
    }

    /// A number field of the config, or of `source` (a nested object) when given.
    func number(_ name: String, in source: [String: Any]? = nil) -> Double? {
        ((source ?? object)[name] as? NSNumber)?.doubleValue
    }
}
