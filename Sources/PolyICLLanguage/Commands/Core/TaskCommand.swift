/// `task`: a distribution of prompts (run body in TaskRun.swift).
enum TaskCommand {
    static let maximumDegree = 30

    static let declaration = CommandDeclaration(
        name: "task",
        summary: "Define a distribution of prompts: Chebyshev polynomials, linear regression, or prompts from files.",
        help: """
        A task says how prompts are drawn; training and evaluation draw fresh prompts from it.
        Chebyshev: p(x) = sum of c_i T_i(x) for i up to the degree, c_i ~ N(0, 1), x ~ U(xrange).
        Linear: y = w·x with x ~ N(xshift, xscale²) and w ~ N(wshift, wscale²) per coordinate (Garg et al.).
        File: fixed prompts read from .npy arrays, xs [prompts, points] or [prompts, points, dim], ys [prompts, points].
        """,
        examples: [
            "poly = task chebyshev degree=0..11",
            "deg5 = task chebyshev degree=5 fixed=3 noise=0.5",
            "aligned = task chebyshev degree=5 clamp=0.5",
            "lin = task linear dim=5 xshift=1",
            "garg = task linear dim=20 dims=5..20 every=2000",
            "mine = task file xs=\"xs.npy\" ys=\"ys.npy\"",
        ],
        forms: [
            CommandForm(
                selector: "chebyshev", summary: "Random Chebyshev polynomials (the paper's tasks).",
                keys: [
                    Parameter("degree", .oneOf([.integer(IntegerBounds(minimum: 0, maximum: maximumDegree)),
                                                .integerRange(IntegerBounds(minimum: 0, maximum: maximumDegree))]),
                              default: .integerRange(0...11),
                              help: "The degree, or a range of degrees drawn uniformly per prompt."),
                    Parameter("fixed", .integer(IntegerBounds(minimum: 0, maximum: maximumDegree + 1)), default: .integer(0),
                              help: "How many of the first coefficients are fixed to 1 (the paper's fine-tuning tasks use 0, 1, 3, 5)."),
                    Parameter("noise", .number(.nonNegative), default: .number(0),
                              help: "Variance of Gaussian noise added to y (the paper's 0.5)."),
                    Parameter("clamp", .number(.any), help: "Threshold T: targets become min(p(x), T) (alignment uses 0.5)."),
                    Parameter("xrange", .numberRange(.any), default: .numberRange(lower: -1, upper: 1),
                              help: "Interval x is drawn from; outside -1..1 tests extrapolation."),
                ],
                checks: [fixedWithinDegree]),
            CommandForm(
                selector: "linear", summary: "Linear regression y = w·x (Garg et al.), with shifts for out-of-distribution prompts.",
                keys: [
                    Parameter("dim", .integer(IntegerBounds(minimum: 1, maximum: 1024)), default: .integer(1), help: "Width of x (the model needs inputs= this)."),
                    Parameter("noise", .number(.nonNegative), default: .number(0), help: "Variance of Gaussian noise added to y."),
                    Parameter("xshift", .number(.any), default: .number(0), help: "Mean of each coordinate of x."),
                    Parameter("xscale", .number(.positive), default: .number(1), help: "Standard deviation of each coordinate of x."),
                    Parameter("wshift", .number(.any), default: .number(0), help: "Mean of each weight."),
                    Parameter("wscale", .number(.positive), default: .number(1), help: "Standard deviation of each weight."),
                    Parameter("dims", .integerRange(IntegerBounds(minimum: 1, maximum: 1024)),
                              help: "Garg et al.'s curriculum on dimensions: training prompts use the first a coordinates of x, one more every `every` steps, up to b (= dim); evaluation uses b."),
                    Parameter("every", .integer(.positive), default: .integer(2000), help: "Training steps between dimension increases (with dims=)."),
                ],
                checks: [dimsWithinDim]),
            CommandForm(
                selector: "file", summary: "Fixed prompts read from NumPy .npy files.",
                keys: [
                    Parameter("xs", .path(mustExist: true, extensions: ["npy"]), required: true, help: "The x values."),
                    Parameter("ys", .path(mustExist: true, extensions: ["npy"]), required: true, help: "The y values."),
                ]),
        ],
        produces: .task,
        run: run)

    /// The dimension curriculum must end at or below the task's width.
    static let dimsWithinDim: CrossCheck = { arguments, _ in
        guard let dims = arguments.integerRange("dims"), let dim = arguments.integer("dim"), dims.upperBound > dim else { return [] }
        return [Diagnostic(.outOfRange, "dims=\(dims.lowerBound)..\(dims.upperBound) grows past dim=\(dim), the width of x",
                           at: arguments.range(of: "dims"), hint: "use dims=\(min(dims.lowerBound, dim))..\(dim), or a larger dim")]
    }

    /// More fixed coefficients than the polynomial has is a mistake, not a silent clamp.
    static let fixedWithinDegree: CrossCheck = { arguments, _ in
        guard let fixed = arguments.integer("fixed"), let degrees = arguments.integerRange("degree") else { return [] }
        guard fixed > degrees.lowerBound + 1 else { return [] }
        return [Diagnostic(.outOfRange, "fixed=\(fixed) fixes more coefficients than a degree-\(degrees.lowerBound) polynomial has (\(degrees.lowerBound + 1))",
                           at: arguments.range(of: "fixed"), hint: "use fixed=\(degrees.lowerBound + 1) or less, or a higher degree")]
    }
}
