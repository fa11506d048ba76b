import PolyICLCore
import PolyICLRender

/// `compare`: several models and baselines side by side on one or more tasks (Figure 3).
enum CompareCommand {
    static let declaration = CommandDeclaration(
        name: "compare",
        summary: "Error per context length of several models beside baselines on the same prompts; one panel per task (the paper's Figure 3).",
        help: """
        Every model and baseline sees the same `samples` prompts of `points` points, with 5-95% \
        bootstrap intervals. Several tasks (on=[a, b]) or fixed=[0, 1, 3, 5] (the task with the \
        first k coefficients fixed, one panel per k) give one panel per task in a grid; the \
        result's table then has one column set per panel, prefixed by the panel's label. A list of \
        model lists, one per panel ([[pre, ft0, sp0], [pre, ft1, sp1]] with on=[k0, k1] or \
        fixed=[0, 1]), compares each panel's own models: the paper fine-tunes one pair per panel. \
        On a noisy task, target=noisefree measures the error to the noise-free p(x) (the paper's \
        Figure 13: "the loss plotted is to the ground truth"); the context keeps its noise.
        """,
        examples: [
            "cmp = compare [base, ft, sp] on=deg5 points=31 samples=1280 baselines=[lstsq, ridge(0.2)]",
            "cmp = compare [ft, sp] on=deg5 fixed=[0, 1, 3, 5] samples=640",
            "cmp = compare [[base, ft], [base, sp]] on=[poly, deg5] samples=640",
            "cmp = compare [ft, sp] on=deg5 fixed=[0, 3] target=noisefree baselines=[ridge(0.5)]",
        ],
        positionals: [Parameter("models", .oneOf([.list(.objectName([.model])), .list(.list(.objectName([.model])))]), required: true,
                                help: "The models to compare; or one list of models per panel.")],
        keys: [
            Parameter("on", .list(.objectName([.task])), required: true, help: "The task (or tasks: one panel each)."),
            Parameter("fixed", .list(.integer(IntegerBounds(minimum: 0, maximum: 64))), help: "One panel per count of fixed leading coefficients of the (Chebyshev) task."),
            Parameter("points", .integer(.positive), default: .integer(31), help: "Points per prompt (with a soft prompt: at most the model's points minus its pairs)."),
            Parameter("baselines", .list(.function(EvalCommand.baselines)), default: .list([.call(name: "lstsq", arguments: []), .call(name: "ridge", arguments: [.number(0.2)])]),
                      help: "Baselines evaluated on the same prompts."),
            Parameter("target", .word(["observed", "noisefree"]), default: .word("observed"),
                      help: "Error to the prompt's y (observed), or to its noise-free value (noisefree, Chebyshev tasks: the ground truth of Figure 13)."),
        ] + ExperimentFormat.commonKeys,
        checks: [onePanelSource, oneModelListPerPanel],
        produces: .result,
        run: run)

    static let onePanelSource: CrossCheck = { arguments, _ in
        guard arguments.isGiven("fixed"), (arguments.list("on") ?? []).count > 1 else { return [] }
        return [Diagnostic(.invalidValue, "fixed= makes one panel per count from one task, and on= names \((arguments.list("on") ?? []).count)", at: arguments.range(of: "fixed"),
                           hint: "give one task with fixed=, or several tasks without it")]
    }

    /// Model lists per panel: as many lists as panels.
    static let oneModelListPerPanel: CrossCheck = { arguments, _ in
        let groups = arguments.list("models") ?? []
        guard groups.contains(where: { $0.listValue != nil }) else { return [] }
        let panels = arguments.isGiven("fixed") ? (arguments.list("fixed") ?? []).count : (arguments.list("on") ?? []).count
        guard groups.count != panels || groups.contains(where: { $0.listValue == nil }) else { return [] }
        return [Diagnostic(.invalidValue, "\(groups.count) model lists for \(panels) panel\(panels == 1 ? "" : "s"): with one list of models per panel, give one list for each \(arguments.isGiven("fixed") ? "count in fixed=" : "task in on=")",
                           at: arguments.range(of: "models"), hint: "[[pre, ft0, sp0], [pre, ft1, sp1]] for two panels, or one flat list [pre, ft, sp] for the same models in every panel")]
    }

    /// The models of each panel: the same list for all, or one list per panel.
    static func modelGroups(_ invocation: CommandInvocation, panels: Int) throws -> [[(name: String, model: TransformerModelObject)]] {
        let values = invocation.arguments.list("models") ?? []
        guard values.contains(where: { $0.listValue != nil }) else {
            let models = try invocation.modelObjects("models")
            return Array(repeating: models, count: panels)
        }
        return try values.map { group in
            var seen = Set<String>()
            return try (group.listValue ?? [group]).compactMap(\.objectNameValue).map { name in
                guard seen.insert(name).inserted else {
                    throw CommandFailure("DuplicateArgument", "`\(name)` is named twice in one panel's list", hint: "name each model once per panel", at: invocation.arguments.range(of: "models"))
                }
                guard let model = try invocation.object(named: name) as? TransformerModelObject else {
                    throw CommandFailure("WrongKind", "`\(name)` is not a model the training core can run", at: invocation.arguments.range(of: "models"))
                }
                return (name, model)
            }
        }
    }

    @Sendable static func run(_ invocation: CommandInvocation) throws -> (any SessionObject)? {
        let a = invocation.arguments
        let points = a.integer("points") ?? 31
        let taskNames = (a.list("on") ?? []).compactMap(\.objectNameValue)
        // The panels: (label, task object).
        var panels: [(label: String, task: (name: String, task: TaskObject))] = []
        for name in taskNames {
            guard let object = try invocation.object(named: name) as? TaskObject else {
                throw CommandFailure("WrongKind", "`\(name)` is not a task", at: a.range(of: "on"))
            }
            panels.append((name, (name, object)))
        }
        if let fixed = a.list("fixed")?.compactMap(\.integerValue), let first = panels.first {
            guard let chebyshev = first.task.task.source as? ChebyshevTask else {
                throw CommandFailure("WrongKind", "fixed= needs a Chebyshev task and `\(first.label)` is not one", at: a.range(of: "on"))
            }
            panels = try fixed.map { k in
                let task: ChebyshevTask
                do {
                    task = try ChebyshevTask(degrees: chebyshev.degrees, fixedCoefficients: k, noiseVariance: chebyshev.noiseVariance,
                                             clampThreshold: chebyshev.clampThreshold, xLower: chebyshev.xLower, xUpper: chebyshev.xUpper)
                } catch {
                    throw CommandFailure("OutOfRange", "fixed=\(k) does not fit task `\(first.label)`: \(error)", hint: "fix at most degree + 1 coefficients", at: a.range(of: "fixed"))
                }
                return ("fixed=\(k)", (first.label, TaskObject(source: task, definition: "\(first.task.task.definition) fixed=\(k)")))
            }
        }
        let groups = try modelGroups(invocation, panels: panels.count)
        guard !panels.isEmpty, groups.count == panels.count, groups.allSatisfy({ !$0.isEmpty }) else {
            throw CommandFailure("MissingArgument", "compare needs at least one model and one task", hint: "compare [m1, m2] on=TASK", at: a.commandRange)
        }
        var settings = ExperimentFormat.settings(a, points: points)
        if a.word("target") == "noisefree" {
            settings.target = .noiseFree
            for panel in panels where !(panel.task.task.source is any NoiseFreeTargets) {
                throw CommandFailure("InvalidValue", "target=noisefree needs tasks that know their noise-free values (Chebyshev), and `\(panel.task.name)` does not",
                                     hint: "use target=observed", at: a.range(of: "target"))
            }
        }
        var tables: [ResultTable] = []
        let displayID = invocation.newDisplayID()
        invocation.sink.display(MIMEBundle(plainText: "comparing on \(panels[0].label) (1 of \(panels.count))"), displayID: displayID)
        for (index, panel) in panels.enumerated() {
            let models = groups[index]
            invocation.sink.updateDisplay(displayID, MIMEBundle(plainText: "comparing on \(panel.label) (\(index + 1) of \(panels.count))"))
            try invocation.checkCancellation("compare stopped before \(panel.label); no result was kept")
            try invocation.requireShape(of: panel.task, count: settings.samples, points: points, key: "on")
            var predictors = try models.map { try invocation.predictor($0, points: points, inputWidth: panel.task.task.source.inputDimension, key: "models") }
            predictors += try invocation.baselinePredictors(for: panel.task, taken: Set(models.map(\.name)))
            do {
                var table = try Evaluation.run(source: panel.task.task.source, predictors: predictors, settings: settings, taskDescription: panel.task.task.definition,
                                               progress: { _ in }, isCancelled: { invocation.cancellation.isCancelled })
                table.title = panel.label
                tables.append(table)
            } catch EvaluationError.cancelled {
                throw CommandFailure.interrupted("compare stopped before it finished; no result was kept")
            } catch {
                throw invocation.failure(error)
            }
        }
        let modelNames = groups.flatMap { $0.map(\.name) }.reduce(into: [String]()) { names, name in if !names.contains(name) { names.append(name) } }
        invocation.sink.updateDisplay(displayID, MIMEBundle(plainText: "compared \(modelNames.joined(separator: ", ")) on \(panels.map(\.label).joined(separator: ", "))"))
        let notes = ["samples": "\(settings.samples)", "points": "\(points)", "seed": "\(settings.seed)", "models": modelNames.joined(separator: ", "),
                     "error": "squared error at each position\(settings.target == .noiseFree ? " to the noise-free y (the context keeps its noise)" : ""), mean over prompts; lower/upper: 5th/95th bootstrap percentiles"]
        if tables.count == 1, var table = tables.first {
            table.title = "compare on \(panels[0].label)"
            table.notes.merge(notes) { $1 }
            return ResultObject(table: table)
        }
        // One table: the shared position column, then each panel's columns prefixed by its label.
        var columns = [ResultTable.Column(name: "position", values: (0..<points).map(Double.init))]
        for table in tables {
            columns += table.columns.filter { $0.name != "position" }.map { .init(name: "\(table.title): \($0.name)", values: $0.values) }
        }
        let combined = ResultTable(title: "compare on \(panels.map(\.label).joined(separator: ", "))", columns: columns, notes: notes)
        let charts = tables.map { ResultFigures.errorChart(ResultObject(table: $0), logScale: true, intervals: true, title: $0.title) }
        let grid = FigureGrid(title: combined.title, panels: charts.map { .chart($0) }, columns: min(4, charts.count), sharedYRange: true)
        return ResultObject(table: combined, figure: grid.svg())
    }
}
