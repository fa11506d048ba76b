import Foundation
import PolyICLCore

extension TaskCommand {
    /// Builds the core's prompt source for the chosen form; the core checks the settings
    /// again and its errors name the setting at fault.
    @Sendable static func run(_ invocation: CommandInvocation) throws -> (any SessionObject)? {
        let a = invocation.arguments
        let source: any PromptSource
        var words = ["task", a.form ?? "chebyshev"]
        do {
            switch a.form {
            case "linear":
                let task = try LinearRegressionTask(
                    dimension: a.integer("dim") ?? 1, noiseVariance: a.number("noise") ?? 0,
                    xShift: a.number("xshift") ?? 0, xScale: a.number("xscale") ?? 1,
                    wShift: a.number("wshift") ?? 0, wScale: a.number("wscale") ?? 1)
                words += ["dim=\(task.dimension)"] + given(a, ["noise", "xshift", "xscale", "wshift", "wscale"])
                if let dims = a.integerRange("dims") {
                    // Training draws prompts by step (StepAwarePromptSource); everything else sees all dims.upperBound coordinates.
                    let every = a.integer("every") ?? 2000
                    source = try DimensionCurriculumTask(task: task, dimensions: Curriculum(start: dims.lowerBound, increment: 1, interval: every, end: dims.upperBound))
                    words += ["dims=\(dims.lowerBound)..\(dims.upperBound)", "every=\(every)"]
                } else {
                    source = task
                }
            case "file":
                let xs = a.string("xs") ?? "", ys = a.string("ys") ?? ""
                source = try FilePrompts(xsFile: URL(fileURLWithPath: invocation.resolve(path: xs)),
                                         ysFile: URL(fileURLWithPath: invocation.resolve(path: ys)))
                words += ["xs=\(Value.string(xs).description)", "ys=\(Value.string(ys).description)"]
            default:
                let degrees = a.integerRange("degree") ?? 0...11
                let range = a.numberRange("xrange") ?? (lower: -1, upper: 1)
                source = try ChebyshevTask(
                    degrees: degrees, fixedCoefficients: a.integer("fixed") ?? 0, noiseVariance: a.number("noise") ?? 0,
                    clampThreshold: a.number("clamp"), xLower: range.lower, xUpper: range.upper)
                words += [degrees.count == 1 ? "degree=\(degrees.lowerBound)" : "degree=\(degrees.lowerBound)..\(degrees.upperBound)"]
                    + given(a, ["fixed", "noise", "clamp", "xrange"])
            }
        } catch {
            throw CommandFailure("InvalidValue", "cannot make this task: \(error)", at: a.commandRange)
        }
        return TaskObject(source: source, definition: words.joined(separator: " "))
    }

    /// `key=value` for the keys written in the cell, in the order listed.
    private static func given(_ a: Arguments, _ keys: [String]) -> [String] {
        keys.filter { a.isGiven($0) }.compactMap { key in a[key].map { "\(key)=\($0.compactDescription)" } }
    }
}
