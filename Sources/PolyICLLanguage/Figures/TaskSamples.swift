import PolyICLCore

/// One sampled function for a plot: its true curve, the context points a model is given,
/// and the x values where predictions are asked.
struct SampledFunction {
    var curveXs: [Double]
    var curveYs: [Double]
    var contextXs: [Double]
    var contextYs: [Double]
}

/// What `show` and a task's representation draw: functions sampled from a task with
/// scalar x. Chebyshev tasks give their exact polynomial; linear tasks their line; prompts
/// from files the points of the prompt joined in x order.
enum TaskSamples {
    static let curvePoints = 161

    static func draw(from source: any PromptSource, samples: Int, context: Int, seed: UInt64) throws -> [SampledFunction] {
        guard source.inputDimension == 1 else {
            throw CommandFailure("InvalidValue", "functions can be drawn only for scalar x; this task's x has \(source.inputDimension) coordinates",
                                 hint: "evaluate it with `eval` and plot the result instead")
        }
        var generator = RandomGenerator(seed: seed)
        if let task = source as? ChebyshevTask {
            return (0..<samples).map { _ in
                let polynomial = task.samplePolynomial(using: &generator)
                let xs = (0..<curvePoints).map { task.xLower + (task.xUpper - task.xLower) * Double($0) / Double(curvePoints - 1) }
                let contextXs = (0..<context).map { _ in Double(Float(generator.nextUniform(task.xLower, task.xUpper))) }
                let contextYs = contextXs.map { x -> Double in
                    var y = polynomial(x)
                    if task.noiseVariance > 0 { y += task.noiseVariance.squareRoot() * generator.nextNormal() }
                    if let t = task.clampThreshold { y = min(y, t) }
                    return y
                }
                let curve = xs.map { x in task.clampThreshold.map { min(polynomial(x), $0) } ?? polynomial(x) }
                return SampledFunction(curveXs: xs, curveYs: curve, contextXs: contextXs, contextYs: contextYs)
            }
        }
        if let file = source as? FilePrompts {
            let count = min(samples, file.promptCount)
            var batch = PromptBatch(count: count, points: file.pointCount)
            file.fill(&batch, startingAt: 0)
            return (0..<count).map { prompt in
                let row = prompt * file.pointCount
                let xs = (0..<file.pointCount).map { Double(batch.xs[row + $0]) }
                let ys = (0..<file.pointCount).map { Double(batch.ys[row + $0]) }
                let order = xs.indices.sorted { xs[$0] < xs[$1] }
                let used = min(context, file.pointCount)
                return SampledFunction(curveXs: order.map { xs[$0] }, curveYs: order.map { ys[$0] },
                                       contextXs: Array(xs.prefix(used)), contextYs: Array(ys.prefix(used)))
            }
        }
        // Any other source (linear regression): one prompt per sample, the noise-free
        // values of its points as the curve when the task gives them.
        let points = max(context, 1) + curvePoints
        var batch = PromptBatch(count: samples, points: points)
        var clean = [Float](repeating: 0, count: samples * points)
        if let linear = source as? LinearRegressionTask {
            linear.fill(&batch, cleanValues: &clean, using: &generator)
        } else {
            source.fill(&batch, using: &generator)
            clean = batch.ys
        }
        return (0..<samples).map { prompt in
            let row = prompt * points
            let xs = (context..<points).map { Double(batch.xs[row + $0]) }
            let ys = (context..<points).map { Double(clean[row + $0]) }
            let order = xs.indices.sorted { xs[$0] < xs[$1] }
            return SampledFunction(curveXs: order.map { xs[$0] }, curveYs: order.map { ys[$0] },
                                   contextXs: (0..<context).map { Double(batch.xs[row + $0]) },
                                   contextYs: (0..<context).map { Double(batch.ys[row + $0]) })
        }
    }

    /// The model's prediction at every curve x, each from the function's context points:
    /// one prompt per x, the context followed by the query point.
    static func predictions(of model: TransformerModel, for function: SampledFunction) throws -> [Double] {
        let context = function.contextXs.count
        let queries = function.curveXs.count
        var batch = PromptBatch(count: queries, points: context + 1)
        for q in 0..<queries {
            let row = q * (context + 1)
            for i in 0..<context {
                batch.xs[row + i] = Float(function.contextXs[i])
                batch.ys[row + i] = Float(function.contextYs[i])
            }
            batch.xs[row + context] = Float(function.curveXs[q])
        }
        let predictions = try model.predict(batch)
        return (0..<queries).map { Double(predictions[$0 * (context + 1) + context]) }
    }
}
