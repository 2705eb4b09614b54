import Foundation
import KhudiModels

/// `khudi-manifest.json`: the record that proves where a run's files came from.
///
/// SHA-256 of every input outside the run and of every file in the run directory, the resolved
/// recipe, Khudi's version, the machine, each stage's commands, timing and report.
///
/// A signature, when asked for, sits beside it in `khudi-manifest.json.sig` and covers the
/// manifest's exact bytes (`ManifestSignature`).
public enum Manifest {
    public static let fileName = "khudi-manifest.json"
    public static let format = "khudi-manifest/1"
    /// Files in the run directory the manifest does not cover: itself and its signature.
    static let excluded: Set<String> = [fileName, ManifestSignature.fileName]

    /// Report files a stage writes, embedded in the manifest when present.
    static let reportFiles = [
        "report.json", "summary.json", "perplexity.json", "parity.json",
    ]

    /// Writes the manifest for `outcomes` into the run directory (atomically) and returns its
    /// bytes.
    @discardableResult
    public static func write(
        recipe: Recipe, outcomes: [StageOutcome], version: String
    ) throws -> Data {
        var inputs: [String: String] = [:]
        var stages: [[String: Any]] = []
        for outcome in outcomes {
            let record = outcome.record
            for (path, digest) in record.inputs where !path.hasPrefix(recipe.output + "/") {
                inputs[path] = digest
            }
            var stage: [String: Any] = [
                "name": record.stage, "ran_this_time": outcome.ran, "started": record.started,
                "seconds": record.seconds, "cache_key": record.key, "commands": record.commands,
                "outputs": record.outputs.count,
            ]
            var reports: [String: Any] = [:]
            for relative in record.outputs.keys.sorted()
            where reportFiles.contains(URL(fileURLWithPath: relative).lastPathComponent) {
                if let data = FileManager.default.contents(atPath: "\(recipe.output)/\(relative)"),
                    let object = try? JSONSerialization.jsonObject(with: data)
                {
                    reports[relative] = object
                }
            }
            if !reports.isEmpty { stage["reports"] = reports }
            stages.append(stage)
        }
        let recipeText = Recipe.yaml(recipe.resolved)
        let manifest: [String: Any] = [
            "format": format, "name": recipe.name,
            "created": ISO8601DateFormatter().string(from: Date()),
            "khudi_version": version, "machine": machineSummary(),
            "recipe": [
                "path": recipe.path, "sha256": (try? ContentDigest.file(recipe.path)) ?? "",
                "resolved": recipeText,
            ],
            "stages": stages, "inputs": inputs,
            "outputs": try runFiles(recipe.output),
        ]
        let data = try JSONSerialization.data(
            withJSONObject: manifest,
            options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        let path = "\(recipe.output)/\(fileName)"
        if let failure = writeAtomically(Array(data), to: path) {
            throw RecipeRunner.RunError.cannotWrite(path: path, reason: failure)
        }
        try? FileManager.default.removeItem(
            atPath: "\(recipe.output)/\(ManifestSignature.fileName)")
        return data
    }

    /// Every file in the run directory (relative path → SHA-256), but the manifest and its
    /// signature.
    static func runFiles(_ directory: String) throws -> [String: String] {
        try ContentDigest.files(under: directory, relativeTo: directory).filter {
            !excluded.contains($0.key)
        }
    }

    static func machineSummary() -> [String: Any] {
        let info = ProcessInfo.processInfo
        var system = utsname()
        uname(&system)
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return [
            "os": info.operatingSystemVersionString, "kernel": field(system.release),
            "architecture": field(system.machine), "cores": info.activeProcessorCount,
            "memory_bytes": info.physicalMemory, "hostname": info.hostName,
        ]
    }
}
