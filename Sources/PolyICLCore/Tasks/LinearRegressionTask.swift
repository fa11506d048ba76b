/// Noisy linear regression in d dimensions (Garg et al.'s function class, with shifts and
/// scales for out-of-distribution prompts): w ~ N(wShift, wScale^2 I),
/// x ~ N(xShift, xScale^2 I), y = w.x + N(0, noiseVariance).
///
/// Settings are checked once, in `init`, and cannot change afterwards.
///
/// The batch holds x of width d and a scalar y; the model zero-pads y to width d.
/// Order of random draws, per prompt, prompts in batch order:
/// 1. d `nextNormal()` for w, in order;
/// 2. d `nextNormal()` for each point's x, points in order;
/// 3. if `noiseVariance > 0`, one `nextNormal()` for each point, in order.
/// w.x is computed in Float64 from the Float32-rounded x the model sees.
public struct LinearRegressionTask: PromptSource, CustomStringConvertible, Equatable {
    public private(set) var dimension: Int
    public private(set) var noiseVariance: Double
    public private(set) var xShift: Double
    public private(set) var xScale: Double
    public private(set) var wShift: Double
    public private(set) var wScale: Double

    public var inputDimension: Int { dimension }

    /// Throws a ``TaskError`` naming the first setting that is out of range.
    public init(
        dimension: Int, noiseVariance: Double = 0,
        xShift: Double = 0, xScale: Double = 1, wShift: Double = 0, wScale: Double = 1
    ) throws {
        guard dimension >= 1, dimension <= 100_000 else { throw TaskError(setting: "dimension", value: "\(dimension)", expected: "1...100000") }
        guard noiseVariance >= 0, noiseVariance.isFinite else {
            throw TaskError(setting: "noise variance", value: "\(noiseVariance)", expected: "a finite number >= 0")
        }
        for (name, value) in [("x shift", xShift), ("x scale", xScale), ("w shift", wShift), ("w scale", wScale)] where !value.isFinite {
            throw TaskError(setting: name, value: "\(value)", expected: "a finite number")
        }
        guard xScale >= 0 else { throw TaskError(setting: "x scale", value: "\(xScale)", expected: "a number >= 0") }
        guard wScale >= 0 else { throw TaskError(setting: "w scale", value: "\(wScale)", expected: "a number >= 0") }
        self.dimension = dimension
        self.noiseVariance = noiseVariance
        self.xShift = xShift
        self.xScale = xScale
        self.wShift = wShift
        self.wScale = wScale
    }

    public var description: String {
        var parts = ["linear regression d=\(dimension)"]
        if noiseVariance > 0 { parts.append("noise \(noiseVariance)") }
        if xShift != 0 || xScale != 1 { parts.append("x ~ N(\(xShift), \(xScale)^2)") }
        if wShift != 0 || wScale != 1 { parts.append("w ~ N(\(wShift), \(wScale)^2)") }
        return parts.joined(separator: ", ")
    }

    public func fill(_ batch: inout PromptBatch, using generator: inout RandomGenerator) {
        fill(&batch, activeDimensions: dimension, cleanValues: nil, using: &generator)
    }

    /// Fills `batch` with the same draws as ``fill(_:using:)`` but keeps only the first
    /// `activeDimensions` coordinates of every x, setting the trailing ones to zero before
    /// y = w.x is computed: Garg et al.'s curriculum on dimensions (their sampler draws all
    /// d coordinates and zeroes the truncated ones). `activeDimensions` is clamped to 1...d.
    public func fill(_ batch: inout PromptBatch, activeDimensions: Int, using generator: inout RandomGenerator) {
        fill(&batch, activeDimensions: activeDimensions, cleanValues: nil, using: &generator)
    }

    /// Fills `batch` exactly as ``fill(_:using:)`` does (same draws) and also writes the
    /// noise-free w.x of every point into `cleanValues` ([count, points]).
    public func fill(_ batch: inout PromptBatch, cleanValues: inout [Float], using generator: inout RandomGenerator) {
        if cleanValues.count != batch.count * batch.points {
            cleanValues = [Float](repeating: 0, count: batch.count * batch.points)
        }
        cleanValues.withUnsafeMutableBufferPointer { clean in
            fill(&batch, activeDimensions: dimension, cleanValues: clean, using: &generator)
        }
    }

    private func fill(
        _ batch: inout PromptBatch, activeDimensions: Int, cleanValues: UnsafeMutableBufferPointer<Float>?,
        using generator: inout RandomGenerator
    ) {
        precondition(batch.inputDimension == dimension, "LinearRegressionTask(d=\(dimension)) fills batches with inputDimension \(dimension)")
        let d = dimension, points = batch.points
        let active = min(max(1, activeDimensions), d)
        let noise = noiseVariance.squareRoot()
        var w = [Double](repeating: 0, count: d)
        for prompt in 0..<batch.count {
            for j in 0..<d { w[j] = wShift + wScale * generator.nextNormal() }
            let xBase = prompt * points * d
            for k in 0..<(points * d) {
                let x = Float(xShift + xScale * generator.nextNormal())
                batch.xs[xBase + k] = k % d < active ? x : 0
            }
            for i in 0..<points {
                var y = 0.0
                for j in 0..<d { y += w[j] * Double(batch.xs[xBase + i * d + j]) }
                cleanValues?[prompt * points + i] = Float(y)
                if noiseVariance > 0 { y += noise * generator.nextNormal() }
                batch.ys[prompt * points + i] = Float(y)
            }
        }
    }
}
