import PolyICLCore

/// What the experiment commands (`compare`, `align`, `jailbreak`, `perturb`) look up before
/// any work: several models, Chebyshev tasks, and predictors that check prompt lengths.
extension CommandInvocation {
    /// Every model named in the list under `key`, in order.
    func modelObjects(_ key: String) throws -> [(name: String, model: TransformerModelObject)] {
        let names = (arguments.list(key) ?? arguments[key].map { [$0] } ?? []).compactMap(\.objectNameValue)
        var seen = Set<String>()
        return try names.map { name in
            guard seen.insert(name).inserted else {
                throw CommandFailure("DuplicateArgument", "`\(name)` is named twice", hint: "name each model once", at: arguments.range(of: key))
            }
            guard let model = try object(named: name) as? TransformerModelObject else {
                throw CommandFailure("WrongKind", "`\(name)` is not a model the training core can run", hint: "make one with `\(name) = model preset=small`", at: arguments.range(of: key))
            }
            return (name, model)
        }
    }

    /// The Chebyshev task under `key` (alignment and jailbreaks are defined on polynomials).
    func chebyshevTask(_ key: String) throws -> (name: String, task: ChebyshevTask) {
        let (name, object) = try taskObject(key)
        guard let task = object.source as? ChebyshevTask else {
            throw CommandFailure("WrongKind", "`\(name)` is not a Chebyshev task: \(arguments.command) draws polynomials", hint: "make one with `\(name) = task chebyshev degree=5`",
                                 at: arguments.range(of: key))
        }
        return (name, task)
    }

    /// A model as a predictor, checked first: x width, and prompts of `points` points fit
    /// after its soft prompt, if it has one.
    func predictor(_ model: (name: String, model: TransformerModelObject), points: Int, inputWidth: Int, key: String) throws -> EvaluationPredictor {
        let configuration = model.model.configuration
        guard configuration.inputDimension == inputWidth else {
            throw CommandFailure("InvalidValue", "model `\(model.name)` reads x of width \(configuration.inputDimension), the task gives \(inputWidth)", at: arguments.range(of: key))
        }
        let pairs = model.model.model.adapters?.promptPairs ?? 0
        guard points + pairs <= configuration.points else {
            let room = configuration.points - pairs
            throw CommandFailure("OutOfRange", "prompts of \(points) points do not fit model `\(model.name)`: it takes \(configuration.points) points\(pairs > 0 ? ", \(pairs) of them its soft prompt" : "")",
                                 hint: "use points=\(room) or less", at: arguments.range(of: arguments.isGiven("points") ? "points" : key))
        }
        let transformer = model.model.model
        return .model(named: model.name) { batch in try transformer.predict(batch) }
    }

    /// The baselines listed under `baselines` for a Chebyshev task (names as `eval`'s).
    func baselinePredictors(for task: (name: String, task: TaskObject), taken: Set<String>) throws -> [EvaluationPredictor] {
        try (arguments.list("baselines") ?? []).compactMap { value in
            let (label, baseline) = try EvalCommand.baseline(value, task: task, invocation: self)
            return taken.contains(label) ? nil : EvaluationPredictor.baseline(baseline, named: label)
        }
    }
}

/// Small shared pieces of the experiment commands.
enum ExperimentFormat {
    static func number(_ v: Double) -> String { Value.number(v).compactDescription }

    /// The evaluation settings from points=, samples=, bootstrap=, seed=.
    static func settings(_ a: Arguments, points: Int) -> EvaluationSettings {
        let samples = a.integer("samples") ?? 1280
        return EvaluationSettings(points: points, samples: samples, seed: UInt64(a.integer("seed") ?? 0),
                                  chunkSize: min(samples, 256), resamples: max(1, a.integer("bootstrap") ?? 1000))
    }

    static let commonKeys: [Parameter] = [
        Parameter("samples", .integer(IntegerBounds(minimum: 1, maximum: 10_000_000)), default: .integer(1280), help: "Prompts drawn."),
        Parameter("bootstrap", .integer(IntegerBounds(minimum: 1, maximum: 1_000_000)), default: .integer(1000), help: "Bootstrap resamples for the intervals."),
        Parameter("seed", .integer(.nonNegative), default: .integer(0), help: "Seed of the prompts drawn."),
    ]
}
