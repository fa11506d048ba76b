import ArgumentParser
import Foundation
import PolyICLCore
import PolyICLRender

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a checkpoint against baselines, per context position.",
        discussion: """
            Squared error at every context position (0 = no context) over --samples prompts, for \
            the model and the baselines: mean, median, and a bootstrap interval (1000 resamples, \
            5th and 95th percentile of the resampled means).

            --baselines takes a comma-separated list of:
              standard         the task's standard baselines (Chebyshev: least squares
                               up to the task's largest degree, ridge 0.2, zero;
                               linear: least squares, ridge <noise> if noisy, zero;
                               files: zero)
              none             no baselines
              zero             the zero predictor
              least-squares    Chebyshev features up to the task's largest degree
                               (linear task: ordinary least squares)
              ridge:L          the same with ridge lambda L
              chebyshev:D[:L]  Chebyshev features T0..T_D, ridge L (default 0)
              linear[:L]       least squares on x itself, ridge L (default 0)

            Example: polyicl eval --checkpoint models/small-chebyshev.safetensors --degree 0..11 \
            --points 31 --samples 12800 --paired "ridge 0.2"
            """
    )

    @OptionGroup var model: CheckpointOptions
    @OptionGroup(title: "Task") var taskOptions: TaskOptions

    @Option(help: "Points per prompt (default 31, or the files' points).") var points: Int?
    @Option(help: "Prompts (default 1280, or every prompt of the files).") var samples: Int?
    @Option(help: "Baselines to compare with (see below).") var baselines = "standard"
    @Option(help: "Seed of the prompts and the bootstrap.") var seed: UInt64 = 0
    @Option(help: "Bootstrap resamples.") var resamples = 1000
    @Option(name: .customLong("model-name"), help: "The model's column name.") var modelName = "model"
    @Option(help: ArgumentHelp("Compare the model prompt by prompt with these baselines, named as in the table and comma-separated (for example 'ridge 0.2'): adds 'model − NAME' columns, the mean difference of squared errors and its bootstrap interval (below 0: the model is better).", valueName: "names"))
    var paired: String?
    @Flag(help: "Print the table as JSON (records) instead of text.") var json = false
    @Option(help: "Also write the table as CSV to this file.") var csv: String?

    func validate() throws {
        if let points, points < 1 { throw ValidationError("--points \(points) is not valid: expected at least 1") }
        if let samples, samples < 1 { throw ValidationError("--samples \(samples) is not valid: expected at least 1") }
        if resamples < 1 { throw ValidationError("--resamples \(resamples) is not valid: expected at least 1") }
        _ = try parseBaselines(source: nil)
    }

    func run() throws {
        let transformer = try model.loadModel()
        let configuration = transformer.configuration
        let source = try taskOptions.makeSource(modelInputDimension: configuration.inputDimension)
        let files = source as? FilePrompts
        let pointCount = points ?? files.map { min($0.pointCount, configuration.points) } ?? min(31, configuration.points)
        let sampleCount = samples ?? files?.promptCount ?? 1280
        guard pointCount <= configuration.points else {
            throw InputError("--points \(pointCount) is more than the model in \(model.checkpoint) takes: expected at most \(configuration.points)")
        }
        if let files {
            try files.check(count: sampleCount, points: pointCount)
        }
        let predictors = [EvaluationPredictor.model(named: modelName) { try transformer.predict($0) }]
            + (try parseBaselines(source: source))
        let pairedNames = (paired ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let settings = EvaluationSettings(points: pointCount, samples: sampleCount, seed: seed, resamples: resamples, threads: model.threads,
                                          pairedReferences: pairedNames)
        var table: ResultTable
        do {
            table = try Evaluation.run(source: source, predictors: predictors, settings: settings)
        } catch let error as EvaluationError {
            throw InputError(error.description)
        } catch let error as TaskError {
            throw InputError(error.description)
        }
        if let csv {
            try Data(TableExport.csv(table).utf8).write(to: URL(fileURLWithPath: csv), options: .atomic)
        }
        if json {
            print(TableExport.json(table))
        } else {
            table.title += " of \(model.checkpoint)"
            print(TableExport.plainText(table), terminator: "")
        }
    }

    /// The baseline predictors `--baselines` names; with `source` nil only the syntax is checked.
    func parseBaselines(source: (any PromptSource)?) throws -> [EvaluationPredictor] {
        var result: [EvaluationPredictor] = []
        let chebyshevDegree = (source as? ChebyshevTask)?.degrees.upperBound
        let isLinear = source is LinearRegressionTask
        func number(_ text: Substring, _ item: String) throws -> Double {
            guard let value = Double(text), value.isFinite, value >= 0 else {
                throw InputError("--baselines item '\(item)': '\(text)' is not a valid ridge lambda (expected a number >= 0)")
            }
            return value
        }
        func leastSquares(ridge: Double, item: String) throws -> Baseline {
            if let chebyshevDegree { return .chebyshevLeastSquares(degree: chebyshevDegree, ridge: ridge) }
            if isLinear || source == nil { return .linearLeastSquares(ridge: ridge) }
            throw InputError("--baselines item '\(item)': prompts from files have no known degree; name one with chebyshev:D or use linear")
        }
        let items = baselines.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for item in items {
            let parts = item.split(separator: ":", omittingEmptySubsequences: false)
            switch (parts[0], parts.count) {
            case ("none", 1): continue
            case ("standard", 1):
                if let source { result += EvaluationPredictor.standardBaselines(for: source) }
            case ("zero", 1): result.append(.baseline(.zero, named: "zero"))
            case ("least-squares", 1):
                result.append(.baseline(try leastSquares(ridge: 0, item: item), named: "least squares"))
            case ("ridge", 2):
                let ridge = try number(parts[1], item)
                result.append(.baseline(try leastSquares(ridge: ridge, item: item), named: "ridge \(parts[1])"))
            case ("chebyshev", 2), ("chebyshev", 3):
                guard let degree = Int(parts[1]), degree >= 0, degree <= ChebyshevTask.maximumDegree else {
                    throw InputError("--baselines item '\(item)': '\(parts[1])' is not a valid degree (expected 0...\(ChebyshevTask.maximumDegree))")
                }
                let ridge = parts.count == 3 ? try number(parts[2], item) : 0
                result.append(.baseline(.chebyshevLeastSquares(degree: degree, ridge: ridge),
                                        named: ridge == 0 ? "chebyshev \(degree)" : "chebyshev \(degree) ridge \(parts[2])"))
            case ("linear", 1), ("linear", 2):
                let ridge = parts.count == 2 ? try number(parts[1], item) : 0
                result.append(.baseline(.linearLeastSquares(ridge: ridge), named: ridge == 0 ? "linear least squares" : "linear ridge \(parts[1])"))
            default:
                throw InputError("--baselines item '\(item)' is not known: expected standard, none, zero, least-squares, ridge:L, chebyshev:D[:L] or linear[:L]")
            }
        }
        var seen = Set<String>()
        for predictor in result where !seen.insert(predictor.name).inserted {
            throw InputError("--baselines names '\(predictor.name)' twice")
        }
        return result
    }
}
