import ArgumentParser
import Foundation
import PolyICLCore

/// Where prompts come from, shared by `train` and `eval`: a Chebyshev or linear-regression
/// task, or prompts read from `--xs`/`--ys` files.
struct TaskOptions: ParsableArguments {
    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case chebyshev, linear
    }

    @Option(help: "Function class: chebyshev or linear.")
    var task: Kind = .chebyshev

    @Option(help: "Chebyshev degree per prompt: a range drawn uniformly (0..11) or exactly one degree (5).")
    var degree = IntegerRange(lower: 0, upper: 11)

    @Option(help: "Chebyshev: the first K coefficients are fixed to 1.")
    var fixed = 0

    @Option(help: "Variance of the Gaussian noise added to y.")
    var noise = 0.0

    @Option(help: "Chebyshev: clamp y at this threshold, y = min(p(x) + noise, T).")
    var clamp: Double?

    @Option(name: .customLong("x-range"), help: "Chebyshev: x ~ U(a, b), written a,b (default -1,1).")
    var xRange: String?

    @Option(name: .customLong("dim-x"), help: "Linear: the width d of x (default: the model's input width, else 1).")
    var dimX: Int?

    @Option(name: .customLong("x-shift"), help: "Linear: x ~ N(shift, scale^2 I).")
    var xShift = 0.0
    @Option(name: .customLong("x-scale"), help: "Linear: x ~ N(shift, scale^2 I).")
    var xScale = 1.0
    @Option(name: .customLong("w-shift"), help: "Linear: w ~ N(shift, scale^2 I).")
    var wShift = 0.0
    @Option(name: .customLong("w-scale"), help: "Linear: w ~ N(shift, scale^2 I).")
    var wScale = 1.0

    @Option(help: "Prompts from a .npy file of x, shape [prompts, points] or [prompts, points, dims] (with --ys; replaces the task).")
    var xs: String?

    @Option(help: "Prompts from a .npy file of y, shape [prompts, points] (with --xs).")
    var ys: String?

    var usesFiles: Bool { xs != nil || ys != nil }

    /// Checks what can be checked without a model.
    func validate() throws {
        if (xs == nil) != (ys == nil) {
            throw ValidationError("--\(xs == nil ? "ys" : "xs") was given without --\(xs == nil ? "xs" : "ys"): prompts from files need both files")
        }
        if let dimX, dimX < 1 { throw ValidationError("--dim-x \(dimX) is not valid: expected a width of at least 1") }
        _ = try parsedXRange()
    }

    func parsedXRange() throws -> (Double, Double) {
        guard let xRange else { return (-1, 1) }
        let parts = xRange.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let lower = parts[0], let upper = parts[1], lower < upper else {
            throw InputError("--x-range '\(xRange)' is not valid: expected two numbers a,b with a < b, for example -1,1")
        }
        return (lower, upper)
    }

    /// The prompt source; `modelInputDimension` is the width of x the model reads (nil: no
    /// model yet, the task decides).
    func makeSource(modelInputDimension: Int?) throws -> any PromptSource {
        if let xs, let ys {
            let prompts = try FilePrompts(xsFile: URL(fileURLWithPath: xs), ysFile: URL(fileURLWithPath: ys))
            if let width = modelInputDimension, width != prompts.inputDimension {
                throw InputError("\(xs) holds x of width \(prompts.inputDimension) but the model reads x of width \(width)")
            }
            return prompts
        }
        do {
            switch task {
            case .chebyshev:
                if let width = modelInputDimension, width != 1 {
                    throw InputError("the Chebyshev task has scalar x but the model reads x of width \(width): use --task linear --dim-x \(width)")
                }
                if let dimX, dimX != 1 { throw InputError("--dim-x \(dimX) is for --task linear; Chebyshev x is a scalar") }
                let (lower, upper) = try parsedXRange()
                return try ChebyshevTask(
                    degrees: degree.closedRange, fixedCoefficients: fixed, noiseVariance: noise,
                    clampThreshold: clamp, xLower: lower, xUpper: upper)
            case .linear:
                let width = dimX ?? modelInputDimension ?? 1
                if let model = modelInputDimension, model != width {
                    throw InputError("--dim-x \(width) does not match the model, which reads x of width \(model)")
                }
                return try LinearRegressionTask(
                    dimension: width, noiseVariance: noise, xShift: xShift, xScale: xScale, wShift: wShift, wScale: wScale)
            }
        } catch let error as TaskError {
            throw InputError(String(describing: error))
        }
    }

    /// These options as command-line arguments, every one written out and file paths made
    /// absolute: what a resumable checkpoint keeps so `--resume` rebuilds the same source.
    var arguments: [String] {
        func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
        // `--name=value`, so that a negative number is not read as an option.
        var words = ["--task=\(task.rawValue)", "--degree=\(degree)", "--fixed=\(fixed)", "--noise=\(noise)",
                     "--x-shift=\(xShift)", "--x-scale=\(xScale)", "--w-shift=\(wShift)", "--w-scale=\(wScale)"]
        if let clamp { words.append("--clamp=\(clamp)") }
        if let xRange { words.append("--x-range=\(xRange)") }
        if let dimX { words.append("--dim-x=\(dimX)") }
        if let xs, let ys { words += ["--xs=\(absolute(xs))", "--ys=\(absolute(ys))"] }
        return words
    }

    /// The width of x the task gives, without a model (for a new model's input width).
    var taskInputDimension: Int? {
        if usesFiles { return nil }
        return task == .linear ? (dimX ?? 1) : 1
    }
}
