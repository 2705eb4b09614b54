import Foundation
import KhudiCorpus
import Testing

@testable import KhudiRecipe

/// Reading recipes: the schema is itself a valid recipe, and each kind of mistake is an error
/// naming the file, line and column.
@Suite struct RecipeLoadingTests {
    let path = "/recipes/test.yaml"

    func load(_ text: String, overrides: [String] = []) throws(ConfigurationError) -> Recipe {
        try Recipe.load(yaml: text, path: path, overrides: overrides, workingDirectory: "/work")
    }

    /// The error `text` gives, or nil when it loads.
    func failure(_ text: String, overrides: [String] = []) -> ConfigurationError? {
        do {
            _ = try load(text, overrides: overrides)
            return nil
        } catch {
            return error
        }
    }

    static let pretrain = """
        data:
          sources: [{path: corpus/*.txt, language: urd}]
        tokenizer: {vocab_size: 4000}
        model:
          config: {model_type: llama, hidden_size: 64}
        train: {steps: 10}
        """

    @Test func theSchemaIsAValidRecipeWithEveryStage() throws {
        let recipe = try load(RecipeSchema.text)
        #expect(recipe.name == "my-run")
        #expect(recipe.output == "/recipes/runs/my-run")
        let stages = try recipe.stages().map(\.name)
        #expect(stages == Stage.order.filter { $0 != "export" })
        #expect(
            try load(RecipeSchema.text, overrides: ["export.gguf=true"]).stages().last?.name
                == "export")
    }

    @Test func everyKeyTheReaderAcceptsIsInTheSchema() {
        let keys =
            Recipe.sections.union(Recipe.dataKeys).union(Recipe.sourceKeys)
            .union(Recipe.tokenizerKeys).union(Recipe.trainKeys).union(Recipe.evalKeys)
            .union(Recipe.sampleKeys).union(Recipe.exportKeys).union(CleaningConfiguration.keys)
            .subtracting(["limit_alphabet", "max_token_length", "thresholds", "zwnj"])
        for key in keys {
            #expect(RecipeSchema.text.contains("\(key):"), "schema lacks \(key)")
        }
    }

    @Test func defaultsFillTheTopLevel() throws {
        let recipe = try load(Self.pretrain)
        #expect(recipe.name == "test")
        #expect(recipe.seed == 1)
        #expect(recipe.output == "/work/runs/test")
        #expect(
            recipe.sources == [.init(path: "/recipes/corpus/*.txt", language: "urd", weight: 1)])
        let resolved = Recipe.yaml(recipe.resolved)
        #expect(resolved.contains("output: /work/runs/test"))
        #expect(resolved.contains("name: test"))
    }

    @Test func unknownKeysAreNamedWithTheirPlaceAndANearMiss() {
        let top = failure("tokeniser: {vocab_size: 10}\n")
        #expect(
            top?.description.hasPrefix("/recipes/test.yaml:1:1: unknown key 'tokeniser'") == true)
        #expect(top?.message.contains("did you mean 'tokenizer'?") == true)
        let nested = failure(
            Self.pretrain.replacingOccurrences(
                of: "train: {steps: 10}", with: "train:\n  steps: 10\n  learning_rat: 0.1"))
        #expect(nested?.line == 8)
        #expect(nested?.column == 3)
        #expect(nested?.message.contains("did you mean 'learning_rate'?") == true)
        let clean = failure(Self.pretrain + "\nclean: {dedupe: {exact: true}}\n")
        #expect(clean?.line == 7)
        #expect(clean?.message.contains("unknown key 'dedupe'") == true)
        #expect(clean?.message.contains("did you mean 'dedup'?") == true)
    }

    @Test func invalidYAMLIsNamedAtItsPlace() {
        let error = failure("name: x\ntrain: {steps: 3\nmodel: [\n")
        #expect(error?.path == path)
        #expect(error?.line == 3)
        #expect(error?.column == 6)
        #expect(error?.message.hasPrefix("not valid YAML: parser:") == true)
    }

    @Test func wrongTypesAndValuesAreErrors() {
        let steps = failure(
            Self.pretrain.replacingOccurrences(of: "steps: 10", with: "steps: many"))
        #expect(steps?.line == 6)
        #expect(steps?.message.contains("expected a whole number, got 'many'") == true)
        let language = failure("data: {sources: [{path: a.txt, language: urdu}]}\n")
        #expect(language?.message.contains("unknown language code 'urdu'") == true)
        let rate = failure(
            Self.pretrain.replacingOccurrences(of: "steps: 10", with: "learning_rate: -1"))
        #expect(rate?.message.contains("train.learning_rate") == true)
        let seed = failure("seed: -3\n")
        #expect(seed?.message == "a seed must be 0 or more")
        let template = failure("data: {chat_template: alpaca}\n")
        #expect(template?.message.contains("'alpaca' is not one of khudi, chatml") == true)
    }

    @Test func sectionsThatNeedAnotherSayWhich() {
        #expect(
            failure("model: {config: c.json}\ntrain: {steps: 3}\n")?.message
                == "train needs data.sources: its token shards are encoded from them")
        #expect(
            failure("data: {sources: [a.txt]}\ntrain: {steps: 3}\n")?.message
                == "train.mode pretrain needs model.config")
        #expect(
            failure("data: {sources: [a.txt]}\nmodel: {base: m}\ntrain: {steps: 3}\n")?.message
                == "train.mode pretrain starts from model.config, not model.base")
        #expect(
            failure("model: {base: m}\nfinetune: {steps: 3}\n")?.message
                == "finetune needs data.instructions (JSONL)")
        #expect(
            failure("data: {instructions: [a.jsonl]}\nmodel: {base: m}\n")?.message
                == "data.instructions are used by a finetune section; add one")
        #expect(
            failure("model: {config: a.json, base: m}\n")?.message
                == "model needs exactly one of config or base")
        #expect(
            failure("data: {sources: [a.txt]}\ntokenizer: {path: t.json, vocab_size: 3}\n")?
                .message.contains("tokenizer.path names an existing tokenizer") == true)
        #expect(
            failure("eval: {perplexity: [a.txt]}\n")?.message.contains("there is no model") == true)
    }

    @Test func overridesApplyAndBadOnesAreNamed() throws {
        let recipe = try load(Self.pretrain, overrides: ["train.steps=7", "seed=9", "name=other"])
        #expect(recipe.seed == 9)
        #expect(recipe.name == "other")
        #expect(try recipe.trainingSettings(recipe.train!).steps == 7)
        #expect(failure(Self.pretrain, overrides: ["train.steps"])?.path == "--set")
        #expect(
            failure(Self.pretrain, overrides: ["train.stepz=3"])?.message.contains(
                "did you mean 'steps'?") == true)
    }

    @Test func aLauncherStartsTheTrainingStagesAndStaysOutOfTheirConfiguration() throws {
        let lora = Self.pretrain.replacingOccurrences(
            of: "config: {model_type: llama, hidden_size: 64}", with: "base: models/base"
        ).replacingOccurrences(of: "train: {steps: 10}", with: "train: {mode: lora, steps: 10}")
        let recipe = try load(
            lora, overrides: [#"train.launcher=[mpirun, -np, "2", --oversubscribe]"#])
        #expect(recipe.trainLauncher == ["mpirun", "-np", "2", "--oversubscribe"])
        let stages = try recipe.stages()
        let train = try #require(stages.first { $0.name == "train" })
        #expect(train.commands[0].launcher == ["mpirun", "-np", "2", "--oversubscribe"])
        #expect(
            train.commands[0].words.prefix(5) == [
                "mpirun", "-np", "2", "--oversubscribe", "khudi-train",
            ])
        // khudi-train's own configuration never sees the key (it would reject it).
        let configuration = try train.configuration().map(\.text).joined()
        #expect(!configuration.contains("launcher") && !configuration.contains("mpirun"))
        // The launcher is part of the stage's cache key: changing it runs the stage again.
        let plain = try #require(try load(lora).stages().first { $0.name == "train" })
        func key(_ stage: Stage) -> String {
            StageRecord.key(
                version: "v", tools: [:], stage: stage, configurations: [], inputs: [:])
        }
        #expect(key(train) != key(plain))
        #expect(plain.commands[0].words.first == "khudi-train")
    }

    @Test func aBadLauncherIsNamedAtItsPlace() {
        let notAList = failure(Self.pretrain, overrides: ["train.launcher=mpirun"])
        #expect(notAList?.message == "expected a list")
        let nested = failure(Self.pretrain + "\nfinetune: {launcher: [srun, [x]]}\n")
        #expect(nested?.message == "expected a string")
        #expect(nested?.line == 7)
        let empty = failure(Self.pretrain, overrides: [#"train.launcher=[mpirun, ""]"#])
        #expect(empty?.message == "a launcher word cannot be empty")
    }

    @Test func stageConfigurationsCarryTheRecipeSettings() throws {
        let recipe = try load(
            Self.pretrain + "\nseed: 5\nencode: {shard_tokens: 1000}\n",
            overrides: [
                "data.sources=[{path: a.txt, language: urd, weight: 2.5}, {path: b.txt, language: snd}]"
            ])
        let stages = try recipe.stages()
        #expect(stages.map(\.name) == ["clean", "tokenizer", "encode", "train"])
        let clean = try stages[0].configuration()[0].text
        #expect(clean.contains("- snd") && clean.contains("- urd"))
        let tokenizer = try stages[1].configuration()[0].text
        #expect(tokenizer.contains("vocab_size: 4000"))
        #expect(tokenizer.contains("urd: 2.5"))
        #expect(stages[2].commands[0].arguments.contains("1000"))
        let train = stages[3]
        #expect(train.resumeArguments == ["--resume", "/work/runs/test/train"])
        #expect(train.upstream.contains("encode/tokens-*.bin"))
    }
}
