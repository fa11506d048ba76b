import PolyICLCore

/// The words the language uses for the core's shift families, and what the analysis
/// commands share: the base task a family starts from, and checks made before any work.
enum ShiftKinds {
    static let words = ["xshift", "xscale", "wshift", "wscale", "degree"]

    static func kind(_ word: String) -> ShiftFamily.Kind {
        switch word {
        case "xscale": .xScale
        case "wshift": .wShift
        case "wscale": .wScale
        case "degree": .degreeShift
        default: .xShift
        }
    }

    /// Sizes used when `sizes=` is not given: the identity first, then growing moves.
    static func defaultSizes(_ kind: ShiftFamily.Kind) -> [Double] {
        switch kind {
        case .xShift, .wShift: [0, 0.5, 1, 2]
        case .xScale, .wScale: [1, 1.5, 2, 3]
        case .degreeShift: [0, 1, 2, 3]
        }
    }

    static let kindHelp = "What moves: xshift (mean of x, or the x interval), xscale (spread of x), wshift / wscale (the weights; linear tasks), degree (the degrees; Chebyshev tasks)."
    static let sizesHelp = "Shift sizes (0 is the training distribution) or scale factors (1 is); default [0, 0.5, 1, 2] for shifts, [1, 1.5, 2, 3] for scales, [0, 1, 2, 3] for degree."

    /// The family of `task` for the arguments' kind and sizes; a curriculum task counts as
    /// its fully grown task (what evaluation draws from).
    static func family(task: (name: String, task: TaskObject), invocation: CommandInvocation) throws -> ShiftFamily {
        let a = invocation.arguments
        let kind = kind(a.word("kind") ?? "xshift")
        let sizes = a.list("sizes")?.compactMap(\.numberValue) ?? defaultSizes(kind)
        var source = task.task.source
        if let curriculum = source as? DimensionCurriculumTask { source = curriculum.task }
        guard source is LinearRegressionTask || source is ChebyshevTask else {
            throw CommandFailure("InvalidValue", "task `\(task.name)` holds prompts read from files, which cannot be shifted",
                                 hint: "use a task made with `task linear` or `task chebyshev`", at: a.range(of: "on"))
        }
        do {
            return try ShiftFamily(task: source, kind: kind, sizes: sizes)
        } catch {
            throw CommandFailure("InvalidValue", "kind=\(a.word("kind") ?? "xshift") on task `\(task.name)`: \(error)",
                                 at: a.range(of: a.isGiven("sizes") ? "sizes" : "kind"))
        }
    }

    /// A kind that does not apply to the task's function class, caught before anything runs:
    /// w moves need linear regression, degree moves need Chebyshev polynomials.
    static let kindFitsTask: CrossCheck = { arguments, environment in
        guard let word = arguments.word("kind"), let taskName = arguments.objectName("on"),
              let task = environment.liveObject(named: taskName) as? TaskObject else { return [] }
        let isChebyshev = task.source is ChebyshevTask
        let isLinear = task.source is LinearRegressionTask || task.source is DimensionCurriculumTask
        if (word == "wshift" || word == "wscale"), !isLinear {
            return [Diagnostic(.invalidValue, "kind=\(word) moves the weights of linear regression, and task `\(taskName)` is not a linear task",
                               at: arguments.range(of: "kind"), hint: "use kind=xshift, xscale or degree for Chebyshev tasks")]
        }
        if word == "degree", !isChebyshev {
            return [Diagnostic(.invalidValue, "kind=degree moves the degrees of Chebyshev polynomials, and task `\(taskName)` is not a Chebyshev task",
                               at: arguments.range(of: "kind"), hint: "use kind=xshift, xscale, wshift or wscale for linear tasks")]
        }
        return []
    }

    /// Points per prompt: the key, else the model's points; never more than the model takes.
    static func points(model: (name: String, model: TransformerModelObject), invocation: CommandInvocation) throws -> Int {
        let a = invocation.arguments
        let limit = model.model.configuration.points
        let points = a.integer("points") ?? limit
        guard points <= limit else {
            throw CommandFailure("OutOfRange", "points=\(points) is more than model `\(model.name)` takes (\(limit))",
                                 hint: "use points=\(limit) or less", at: a.range(of: "points"))
        }
        return points
    }
}
