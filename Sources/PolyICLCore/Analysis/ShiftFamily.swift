/// A family of prompt distributions that moves away from a training task by a shift size:
/// the out-of-distribution prompts of issue 6. Size ``identitySize`` gives the base task
/// itself (0 for shifts, 1 for scales).
///
/// What a size s (or factor c) does, for each kind:
/// - `xShift`: linear regression x ~ N(xShift + s, xScale^2 I); Chebyshev x ~ U(lower + s, upper + s)
///   (for s != 0, x partly outside the training interval);
/// - `xScale`: linear regression x ~ N(xShift, (c xScale)^2 I); Chebyshev x ~ U(c lower, c upper);
/// - `wShift`: linear regression only, w ~ N(wShift + s, wScale^2 I);
/// - `wScale`: linear regression only, w ~ N(wShift, (c wScale)^2 I);
/// - `degreeShift`: Chebyshev only, degrees lower + s ... upper + s (s a whole number; the
///   fixed coefficients are kept, so lower + s must stay at least fixed - 1).
public struct ShiftFamily: Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case xShift = "x-shift"
        case xScale = "x-scale"
        case wShift = "w-shift"
        case wScale = "w-scale"
        case degreeShift = "degree-shift"

        /// The size that leaves the task unchanged.
        public var identitySize: Double {
            switch self {
            case .xScale, .wScale: 1
            case .xShift, .wShift, .degreeShift: 0
            }
        }

        /// Short label for table columns and axes, e.g. "x shift".
        public var label: String { rawValue.replacingOccurrences(of: "-", with: " ") }
    }

    /// The in-distribution task the family starts from.
    public enum Base: Sendable, Equatable {
        case linearRegression(LinearRegressionTask)
        case chebyshev(ChebyshevTask)

        public var task: any PromptSource {
            switch self {
            case .linearRegression(let task): task
            case .chebyshev(let task): task
            }
        }
    }

    public let base: Base
    public let kind: Kind
    /// The sizes to evaluate, in the caller's order.
    public let sizes: [Double]

    /// Throws an ``AnalysisError`` when the kind does not apply to the base task, or a
    /// ``TaskError`` naming the first size whose task is not valid.
    public init(base: Base, kind: Kind, sizes: [Double]) throws {
        guard !sizes.isEmpty else { throw AnalysisError("no shift sizes: expected at least one, e.g. 0, 1, 2") }
        self.base = base
        self.kind = kind
        self.sizes = sizes
        for size in sizes { _ = try task(size: size) }
    }

    /// As ``init(base:kind:sizes:)`` for a task given as a prompt source (a
    /// ``LinearRegressionTask`` or a ``ChebyshevTask``).
    public init(task: any PromptSource, kind: Kind, sizes: [Double]) throws {
        if let linear = task as? LinearRegressionTask {
            try self.init(base: .linearRegression(linear), kind: kind, sizes: sizes)
        } else if let chebyshev = task as? ChebyshevTask {
            try self.init(base: .chebyshev(chebyshev), kind: kind, sizes: sizes)
        } else {
            throw AnalysisError("shifts apply to linear-regression and Chebyshev tasks; this task is \(task)")
        }
    }

    public var identitySize: Double { kind.identitySize }

    public var description: String {
        "\(base.task), \(kind.label) \(sizes.map(Self.format).joined(separator: ", "))"
    }

    /// The task at shift size `size`.
    public func task(size: Double) throws -> any PromptSource {
        guard size.isFinite else { throw TaskError(setting: kind.label, value: "\(size)", expected: "a finite number") }
        switch (base, kind) {
        case (.linearRegression(let t), .xShift):
            return try LinearRegressionTask(dimension: t.dimension, noiseVariance: t.noiseVariance, xShift: t.xShift + size,
                                            xScale: t.xScale, wShift: t.wShift, wScale: t.wScale)
        case (.linearRegression(let t), .xScale):
            return try LinearRegressionTask(dimension: t.dimension, noiseVariance: t.noiseVariance, xShift: t.xShift,
                                            xScale: t.xScale * size, wShift: t.wShift, wScale: t.wScale)
        case (.linearRegression(let t), .wShift):
            return try LinearRegressionTask(dimension: t.dimension, noiseVariance: t.noiseVariance, xShift: t.xShift,
                                            xScale: t.xScale, wShift: t.wShift + size, wScale: t.wScale)
        case (.linearRegression(let t), .wScale):
            return try LinearRegressionTask(dimension: t.dimension, noiseVariance: t.noiseVariance, xShift: t.xShift,
                                            xScale: t.xScale, wShift: t.wShift, wScale: t.wScale * size)
        case (.chebyshev(let t), .xShift):
            return try ChebyshevTask(degrees: t.degrees, fixedCoefficients: t.fixedCoefficients, noiseVariance: t.noiseVariance,
                                     clampThreshold: t.clampThreshold, xLower: t.xLower + size, xUpper: t.xUpper + size)
        case (.chebyshev(let t), .xScale):
            guard size > 0 else { throw TaskError(setting: kind.label, value: Self.format(size), expected: "a factor > 0 (the x interval is multiplied by it)") }
            return try ChebyshevTask(degrees: t.degrees, fixedCoefficients: t.fixedCoefficients, noiseVariance: t.noiseVariance,
                                     clampThreshold: t.clampThreshold, xLower: t.xLower * size, xUpper: t.xUpper * size)
        case (.chebyshev(let t), .degreeShift):
            guard size == size.rounded(), abs(size) <= Double(ChebyshevTask.maximumDegree) else {
                throw TaskError(setting: kind.label, value: Self.format(size), expected: "a whole number of degrees")
            }
            let shift = Int(size)
            guard t.degrees.lowerBound + shift >= 0 else {
                throw TaskError(setting: kind.label, value: Self.format(size), expected: "at least \(-t.degrees.lowerBound) (degrees cannot go below 0)")
            }
            return try ChebyshevTask(degrees: (t.degrees.lowerBound + shift)...(t.degrees.upperBound + shift),
                                     fixedCoefficients: t.fixedCoefficients, noiseVariance: t.noiseVariance,
                                     clampThreshold: t.clampThreshold, xLower: t.xLower, xUpper: t.xUpper)
        case (.linearRegression, .degreeShift):
            throw AnalysisError("degree-shift applies to Chebyshev tasks: expected x-shift, x-scale, w-shift or w-scale for linear regression")
        case (.chebyshev, .wShift), (.chebyshev, .wScale):
            throw AnalysisError("\(kind.rawValue) applies to linear regression: expected x-shift, x-scale or degree-shift for Chebyshev tasks")
        }
    }

    /// A size as a short string: whole numbers without ".0" ("2", "0.5", "-1").
    public static func format(_ size: Double) -> String {
        if size == size.rounded(), abs(size) < 1e15 { return String(Int(size)) }
        return "\(size)"
    }
}
