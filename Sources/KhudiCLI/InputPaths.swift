import Foundation

/// Expands the INPUT arguments of a stage: plain files and directories are kept as given,
/// shell-style globs (`*`, `?`, `[`) are expanded; anything that names nothing is an error.
public enum InputPaths {
    /// Returns the existing paths the arguments name, in order, or throws a `UserError` naming
    /// the first argument that matches nothing.
    public static func resolve(_ arguments: [String]) throws -> [String] {
        var paths: [String] = []
        for argument in arguments {
            if argument.contains(where: { "*?[".contains($0) }) {
                let matches = expandGlob(argument)
                guard !matches.isEmpty else {
                    throw UserError.missingInput(argument, detail: "the pattern matches no file")
                }
                paths += matches
            } else {
                guard FileManager.default.fileExists(atPath: argument) else {
                    throw UserError.missingInput(argument)
                }
                guard FileManager.default.isReadableFile(atPath: argument) else {
                    throw UserError.missingInput(argument, detail: "permission denied")
                }
                paths.append(argument)
            }
        }
        return paths
    }

    private static func expandGlob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard glob(pattern, 0, nil, &result) == 0 else { return [] }
        return (0..<Int(result.gl_pathc)).compactMap { index in
            result.gl_pathv[index].map { String(cString: $0) }
        }
    }
}
