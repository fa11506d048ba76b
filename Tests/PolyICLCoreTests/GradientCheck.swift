import Testing
@testable import PolyICLCore

/// Central finite differences in Float32 for a scalar function of a parameter vector.
/// Step 1e-2 keeps round-off (about 1e-7 * |f| / h) and truncation (h^2 f''' / 6) both near
/// 1e-5 for the smooth, O(1) functions tested here.
func finiteDifferenceGradient(
    of f: ([Float]) -> Float, at x: [Float], indices: [Int], step: Float = 1e-2
) -> [Float] {
    indices.map { i in
        var plus = x, minus = x
        plus[i] += step
        minus[i] -= step
        return (f(plus) - f(minus)) / (2 * step)
    }
}

/// Expects analytic and numeric gradients to agree within |a - n| <= absolute + relative * |n|.
func expectGradientsClose(
    _ analytic: [Float], _ numeric: [Float], absolute: Float = 2e-3, relative: Float = 2e-2,
    _ label: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(analytic.count == numeric.count, sourceLocation: sourceLocation)
    var worst: (index: Int, a: Float, n: Float)?
    // Written as "not within" so that a NaN on either side fails too.
    for i in analytic.indices where !(abs(analytic[i] - numeric[i]) <= absolute + relative * abs(numeric[i])) {
        worst = (i, analytic[i], numeric[i])
        break
    }
    #expect(worst == nil, "\(label): analytic \(worst?.a ?? 0) vs numeric \(worst?.n ?? 0) at \(worst?.index ?? -1)", sourceLocation: sourceLocation)
    // A check that would pass with all-zero gradients proves nothing.
    #expect(numeric.contains { abs($0) > 10 * absolute }, "\(label): gradients too small to test", sourceLocation: sourceLocation)
}

/// The larger of two errors, where NaN counts as the worst of all: Swift's `max` and
/// `Sequence.max()` drop a NaN, so a kernel that wrote one would pass a plain `max` check.
func worse(_ worst: Double, _ error: Double) -> Double {
    worst.isNaN || error.isNaN ? .infinity : max(worst, error)
}

/// The largest of `errors`, infinite if any is NaN (see `worse`).
func worstError<Errors: Sequence<Double>>(_ errors: Errors) -> Double { errors.reduce(0, worse) }

func randomFloats(_ count: Int, _ generator: inout RandomGenerator, scale: Double = 1) -> [Float] {
    (0..<count).map { _ in Float(scale * generator.nextNormal()) }
}

/// Weighted sum of outputs: a scalar whose gradient with respect to the outputs is `weights`.
func weightedSum(_ values: [Float], _ weights: [Float]) -> Float {
    var s: Double = 0
    for i in values.indices { s += Double(values[i]) * Double(weights[i]) }
    return Float(s)
}

extension FloatBuffer {
    /// A buffer holding `values`.
    convenience init(copying values: [Float]) {
        self.init(count: values.count)
        for (index, value) in values.enumerated() { pointer[index] = value }
    }
}
