/// Error against shift size: every predictor on the prompts of every size of a
/// ``ShiftFamily``, next to least squares (which, on noise-free linear regression with more
/// points than dimensions, is exact whatever the shift).
public enum ShiftEvaluation {
    /// Runs ``Evaluation/run`` once per size (same settings and seed, so sizes share their
    /// random draws: for shifts and scales of x and w the prompts at size s are those of the
    /// identity size, moved or stretched) and keeps
    /// the squared error at one context position.
    ///
    /// - `predictors`: the models (and any baselines) to compare; names must differ.
    /// - `standardBaselines`: also run ``EvaluationPredictor/standardBaselines(for:)`` of each
    ///   size's task (for a degree shift, least squares follows the shifted degree); their
    ///   names must not clash with the predictors'.
    /// - `position`: the number of context points before the query (nil: the last,
    ///   settings.points - 1).
    ///
    /// The table has `size` and, per predictor P, `P mean`, `P median`, `P lower`, `P upper`
    /// (bootstrap interval of the mean, as ``Evaluation``). `progress(done, total)` is called
    /// after each size; `isCancelled` is checked before every chunk of prompts.
    public static func run(
        family: ShiftFamily,
        predictors: [EvaluationPredictor],
        standardBaselines: Bool = true,
        settings: EvaluationSettings,
        position: Int? = nil,
        progress: ((Int, Int) -> Void)? = nil,
        isCancelled: (() -> Bool)? = nil
    ) throws -> ResultTable {
        let position = position ?? settings.points - 1
        guard position >= 0, position < settings.points else {
            throw EvaluationError.invalidSetting("position \(position) is not valid: expected 0 to \(settings.points - 1) (points - 1)")
        }
        var columns = [ResultTable.Column(name: "size", values: family.sizes)]
        var columnIndex: [String: Int] = [:]
        for (index, size) in family.sizes.enumerated() {
            let task = try family.task(size: size)
            let all = predictors + (standardBaselines ? EvaluationPredictor.standardBaselines(for: task) : [])
            let table = try Evaluation.run(source: task, predictors: all, settings: settings,
                                           taskDescription: String(describing: task), isCancelled: isCancelled)
            for column in table.columns where column.name != "position" {
                if columnIndex[column.name] == nil {
                    columnIndex[column.name] = columns.count
                    columns.append(.init(name: column.name, values: [Double](repeating: .nan, count: family.sizes.count)))
                }
                if let target = columnIndex[column.name] { columns[target].values[index] = column.values[position] }
            }
            progress?(index + 1, family.sizes.count)
        }
        let notes: [String: String] = [
            "family": family.description,
            "shift": "\(family.kind.label); size \(ShiftFamily.format(family.identitySize)) is the training distribution",
            "position": "\(position) context points before the query",
            "error": "squared error (y - prediction)^2 at that position",
            "samples": "\(settings.samples) per size",
            "points": "\(settings.points)",
            "seed": "\(settings.seed) (the same draws at every size)",
            "bootstrap": "\(settings.resamples) resamples; lower/upper = 5th/95th percentile of resampled means",
        ]
        return ResultTable(title: "squared error by \(family.kind.label)", columns: columns, notes: notes)
    }
}
