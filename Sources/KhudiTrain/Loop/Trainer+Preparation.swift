import KhudiModels
import KhudiNN

extension Trainer {
    /// Marks what `configuration.mode` trains and returns the adapted layers' names.
    ///
    /// `pretrain` and `full` train every parameter; `lora` freezes the base and attaches
    /// fresh adapters to the target layers (a layer already carrying one, loaded to resume,
    /// keeps it and trains it). The list is empty outside LoRA.
    @discardableResult
    public static func prepare(
        _ model: any LanguageModel, for configuration: TrainingConfiguration
    ) throws(TrainingError) -> [String] {
        guard configuration.mode == .lora else {
            model.setTrainable(true)
            return []
        }
        let settings = configuration.lora
        let targets: AdapterConfiguration.Targets =
            settings.targets == ["all-linear"] ? .allLinear : .names(settings.targets)
        let chosen = model.linearLayers.filter { targets.matches($0.name, isHead: $0.isHead) }
        guard !chosen.isEmpty else {
            let examples = model.linearLayers.prefix(2).map(\.name).joined(separator: ", ")
            throw .configuration(
                field: "train.lora.targets",
                reason:
                    "\(settings.targets) matches none of the model's linear layers (named like \(examples))"
            )
        }
        model.setTrainable(false)
        // Adapters drawn in layer order from the run's seed, as PEFT draws them in module order.
        var generator = SeededGenerator(seed: configuration.seed ^ 0x4C6F_5241)
        for (_, layer, _) in chosen {
            if let lora = layer.lora {
                lora.a.setRequiresGradient(true)
                lora.b.setRequiresGradient(true)
            } else {
                layer.attachLoRA(
                    rank: settings.rank, alpha: settings.alpha,
                    rankStabilized: settings.rankStabilized, generator: &generator)
            }
            layer.lora?.dropout = settings.dropout
        }
        return chosen.map(\.name)
    }
}
