import PolyICLCore

/// Making adapted copies of a model for `lora`, `softprompt` and `merge`: the base object
/// is never changed, so the same base can be fine-tuned several ways side by side.
extension CommandInvocation {
    /// A plain (adapter-free) model under `key`, or an error that says how to get one.
    func plainModel(_ key: String) throws -> (name: String, model: TransformerModelObject) {
        let (name, object) = try modelObject(key)
        if object.model.adapters != nil {
            throw CommandFailure("InvalidValue", "`\(name)` already has adapters attached; adapters go on a plain model",
                                 hint: "merge its LoRA first (`plain = merge \(name)`), or start from the model it was made from",
                                 at: arguments.range(of: key))
        }
        return (name, object)
    }

    /// A new model object with `parameters` in a fresh transformer of `base`'s
    /// configuration, keeping `base`'s training history.
    func copy(of base: TransformerModelObject, parameters: [Float]) throws -> TransformerModelObject {
        do {
            var unused = RandomGenerator(seed: 0)
            let model = try TransformerModel(configuration: base.configuration, generator: &unused)
            try model.setParameters(parameters)
            return TransformerModelObject(model: model, history: base.history, foreignHistory: base.foreignHistory)
        } catch {
            throw failure(error)
        }
    }
}

/// The learning rates the paper fine-tunes with, used by `train` when lr= is not given.
enum FineTuningDefaults {
    static let loraLearningRate = 5e-5
    static let softPromptLearningRate = 5e-2
    static let plainLearningRate = 1e-4

    static func learningRate(for model: TransformerModel) -> Double {
        guard let adapters = model.adapters else { return plainLearningRate }
        return adapters.lora != nil ? loraLearningRate : softPromptLearningRate
    }

    /// `a = lora base ...` tells the statements after it that `a` is as big as `base`.
    static let recordBaseConfiguration: EnvironmentUpdate = { arguments, target, environment in
        guard let target, let base = arguments.objectName("base"), let configuration = environment.modelConfiguration(named: base) else { return }
        environment.setModelConfiguration(configuration, for: target)
    }

    /// Checks before work: the base is a model whose configuration is known.
    static func pairsFit(_ key: String) -> CrossCheck {
        { arguments, environment in
            guard let base = arguments.objectName("base"), let configuration = environment.modelConfiguration(named: base),
                  let pairs = arguments.integer(key), pairs >= configuration.points else { return [] }
            return [Diagnostic(.outOfRange, "\(key)=\(pairs) leaves no room for the prompt: model `\(base)` takes \(configuration.points) points (\(configuration.positions) positions), and the soft prompt takes \(key) of them",
                               at: arguments.range(of: key), hint: "use \(key)=\(max(1, configuration.points / 2)) or fewer, so that pairs + points ≤ \(configuration.points)")]
        }
    }
}
