/// Random Chebyshev polynomials, the paper's function class:
/// p(x) = sum_{i<=b} c_i T_i(x), with the degree b uniform in `degrees` per prompt,
/// c_0 ... c_{k-1} fixed to 1 (k = `fixedCoefficients`), the others N(0, 1);
/// x ~ U(xLower, xUpper); y = p(x) + N(0, noiseVariance), then min(y, clampThreshold).
///
/// Settings are checked once, in `init`, and cannot change afterwards.
///
/// Order of random draws, per prompt, prompts in batch order (this is what makes the same
/// seed give the same prompts bit for bit):
/// 1. the degree, `nextInt(below: degrees.count)` (no draw when the range has one value);
/// 2. one `nextNormal()` for each free coefficient c_k ... c_b, in order;
/// 3. one `nextUniform(xLower, xUpper)` for each point, in order;
/// 4. if `noiseVariance > 0`, one `nextNormal()` for each point, in order.
/// p is evaluated in Float64 at the Float32-rounded x the model sees.
public struct ChebyshevTask: PromptSource, CustomStringConvertible, Equatable {
    public private(set) var degrees: ClosedRange<Int>
    public private(set) var fixedCoefficients: Int
    public private(set) var noiseVariance: Double
    public private(set) var clampThreshold: Double?
    public private(set) var xLower: Double
    public private(set) var xUpper: Double

    public var inputDimension: Int { 1 }

    /// Far beyond any experiment; keeps a mistyped degree from exhausting memory.
    public static let maximumDegree = 1000

    /// Throws a ``TaskError`` naming the first setting that is out of range.
    public init(
        degrees: ClosedRange<Int>, fixedCoefficients: Int = 0, noiseVariance: Double = 0,
        clampThreshold: Double? = nil, xLower: Double = -1, xUpper: Double = 1
    ) throws {
        guard degrees.lowerBound >= 0, degrees.upperBound <= Self.maximumDegree else {
            throw TaskError(setting: "degree", value: "\(degrees.lowerBound)...\(degrees.upperBound)", expected: "degrees in 0...\(Self.maximumDegree)")
        }
        guard fixedCoefficients >= 0, fixedCoefficients <= degrees.lowerBound + 1 else {
            throw TaskError(setting: "fixed coefficients", value: "\(fixedCoefficients)",
                            expected: "0...\(degrees.lowerBound + 1) (a degree-\(degrees.lowerBound) polynomial has \(degrees.lowerBound + 1) coefficients)")
        }
        guard noiseVariance >= 0, noiseVariance.isFinite else {
            throw TaskError(setting: "noise variance", value: "\(noiseVariance)", expected: "a finite number >= 0")
        }
        if let clampThreshold, !clampThreshold.isFinite {
            throw TaskError(setting: "clamp threshold", value: "\(clampThreshold)", expected: "a finite number")
        }
        guard xLower.isFinite, xUpper.isFinite, xLower < xUpper else {
            throw TaskError(setting: "x range", value: "(\(xLower), \(xUpper))", expected: "finite bounds with lower < upper")
        }
        self.degrees = degrees
        self.fixedCoefficients = fixedCoefficients
        self.noiseVariance = noiseVariance
        self.clampThreshold = clampThreshold
        self.xLower = xLower
        self.xUpper = xUpper
    }

    public var description: String {
        var parts = ["chebyshev degree \(degrees.count == 1 ? "\(degrees.lowerBound)" : "\(degrees.lowerBound)...\(degrees.upperBound)")"]
        if fixedCoefficients > 0 { parts.append("fixed \(fixedCoefficients)") }
        if noiseVariance > 0 { parts.append("noise \(noiseVariance)") }
        if let clampThreshold { parts.append("clamp \(clampThreshold)") }
        if xLower != -1 || xUpper != 1 { parts.append("x (\(xLower), \(xUpper))") }
        return parts.joined(separator: ", ")
    }

    /// Draws one polynomial (steps 1 and 2 of the documented order).
    public func samplePolynomial(using generator: inout RandomGenerator) -> ChebyshevPolynomial {
        let degree = degrees.count == 1 ? degrees.lowerBound : degrees.lowerBound + generator.nextInt(below: degrees.count)
        var coefficients = [Double](repeating: 1, count: degree + 1)
        for i in fixedCoefficients..<(degree + 1) { coefficients[i] = generator.nextNormal() }
        return ChebyshevPolynomial(coefficients: coefficients)
    }

    public func fill(_ batch: inout PromptBatch, using generator: inout RandomGenerator) {
        fill(&batch, cleanValues: nil, using: &generator)
    }

    /// Fills `batch` exactly as ``fill(_:using:)`` does (same draws) and also writes the
    /// noise-free, unclamped p(x) of every point into `cleanValues` ([count, points]).
    public func fill(_ batch: inout PromptBatch, cleanValues: inout [Float], using generator: inout RandomGenerator) {
        if cleanValues.count != batch.count * batch.points {
            cleanValues = [Float](repeating: 0, count: batch.count * batch.points)
        }
        cleanValues.withUnsafeMutableBufferPointer { clean in
            fill(&batch, cleanValues: clean, using: &generator)
        }
    }

    private func fill(_ batch: inout PromptBatch, cleanValues: UnsafeMutableBufferPointer<Float>?, using generator: inout RandomGenerator) {
        precondition(batch.inputDimension == 1, "ChebyshevTask fills batches with inputDimension 1")
        let points = batch.points
        let noise = noiseVariance.squareRoot()
        for prompt in 0..<batch.count {
            let polynomial = samplePolynomial(using: &generator)
            let base = prompt * points
            for i in 0..<points {
                batch.xs[base + i] = Float(generator.nextUniform(xLower, xUpper))
            }
            for i in 0..<points {
                var y = polynomial(Double(batch.xs[base + i]))
                cleanValues?[base + i] = Float(y)
                if noiseVariance > 0 { y += noise * generator.nextNormal() }
                if let clampThreshold { y = min(y, clampThreshold) }
                batch.ys[base + i] = Float(y)
            }
        }
    }
}

/// A task setting out of range, with what would be right.
public struct TaskError: Error, CustomStringConvertible, Sendable, Equatable {
    public var setting: String
    public var value: String
    public var expected: String
    public var description: String { "\(setting) \(value) is not valid: expected \(expected)" }
}
