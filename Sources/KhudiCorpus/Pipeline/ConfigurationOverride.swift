import Yams

extension ConfigurationReader {
    /// `root` with `override` (`a.b.c=value`, as `--set` gives it) applied: mappings on the way are
    /// created, the value is parsed as YAML.
    ///
    /// Errors name the override.
    public static func applying(
        _ override: String, to root: Node
    ) throws(ConfigurationError)
        -> Node
    {
        guard let equals = override.firstIndex(of: "="), equals != override.startIndex else {
            throw ConfigurationError(
                path: "--set", line: 0, column: 0,
                message: "'\(override)' is not KEY.PATH=VALUE")
        }
        let keys = override[..<equals].split(separator: ".").map(String.init)
        let text = String(override[override.index(after: equals)...])
        let value =
            try ConfigurationReader.compose(yaml: text, path: "--set \(override)") ?? Node("")
        func set(_ node: Node, _ keys: ArraySlice<String>) throws(ConfigurationError) -> Node {
            guard let key = keys.first else { return value }
            var mapping = node.mapping ?? Node.Mapping([])
            guard node.mapping != nil || node.scalar?.string == "" || node == Node([(Node, Node)]())
            else {
                throw ConfigurationError(
                    path: "--set", line: 0, column: 0,
                    message: "'\(override)': \(key)'s parent is not a mapping")
            }
            mapping[key] = try set(mapping[key] ?? Node([(Node, Node)]()), keys.dropFirst())
            return Node.mapping(mapping)
        }
        return try set(root, keys[...])
    }
}
