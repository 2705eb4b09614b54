import ArgumentParser
import Foundation
import KhudiCorpus
import KhudiRecipe

/// `khudi recipe check|schema`.
public struct RecipeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "recipe", abstract: "Validate recipes and list their keys.",
        subcommands: [RecipeCheckCommand.self, RecipeSchemaCommand.self])

    public init() {}
}

/// `khudi recipe check FILE [--set key.path=value]…`: reads the recipe as `khudi run` would,
/// checks that every input exists, and prints the stages it would run; runs nothing.
public struct RecipeCheckCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a recipe without running it and list its stages.",
        discussion: """
            Unknown keys and wrong types are errors naming the file, line and column (with the \
            nearest known key when the name looks misspelt); inputs that do not exist are errors \
            too. Exit 0 when the recipe can run.
            """)

    @Argument(help: "The recipe file (YAML).")
    var recipe: String

    @Option(name: .customLong("set"), help: "Override a key: key.path=value (repeatable).")
    var overrides: [String] = []

    @Flag(help: "Check keys, types and stages only, not that the input files exist.")
    var schemaOnly = false

    public init() {}

    public func run() throws {
        try reportingErrors(tool: "khudi recipe check") {
            let loaded = try loadRecipe(recipe, overrides: overrides)
            let stages = try planStages(loaded)
            if !schemaOnly { try checkInputs(stages) }
            print("\(recipe): ok, \(stages.count) stage(s) into \(loaded.output)")
            for stage in stages {
                let tools = stage.commands.map(\.tool).joined(separator: ", ")
                print("  \(stage.name.padding(toLength: 15, withPad: " ", startingAt: 0)) \(tools)")
            }
        }
    }
}

/// `khudi recipe schema`: every key with its default.
public struct RecipeSchemaCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "schema", abstract: "Print every recipe key with its default.")

    public init() {}

    public func run() throws { print(RecipeSchema.text, terminator: "") }
}

/// The recipe at `path` with `overrides`, or a configuration error for the user.
func loadRecipe(_ path: String, overrides: [String]) throws -> Recipe {
    guard FileManager.default.isReadableFile(atPath: path) else {
        throw UserError.missingInput(path)
    }
    do {
        return try Recipe.load(path: path, overrides: overrides)
    } catch {
        throw UserError("\(error)", exitCode: ExitStatus.configuration)
    }
}

func planStages(_ recipe: Recipe) throws -> [Stage] {
    do {
        return try recipe.stages()
    } catch {
        throw UserError("\(error)", exitCode: ExitStatus.configuration)
    }
}

/// Every input a stage reads from outside the run exists (globs match something).
func checkInputs(_ stages: [Stage]) throws {
    for stage in stages {
        if let missing = stage.missingInput() {
            throw UserError("stage \(stage.name): \(missing)", exitCode: ExitStatus.noInput)
        }
    }
}
