import Dispatch
import Foundation

/// A predictor that needs no training. Each predicts point i of a prompt from its first i
/// points (i = 0, 1, ...); with no context (i = 0) every baseline predicts 0.
public enum Baseline: Sendable, Equatable, CustomStringConvertible {
    /// Always 0.
    case zero
    /// Least squares on the Chebyshev features T0(x) ... T_degree(x) of the context points,
    /// with ridge `ridge` (lambda >= 0) by appending sqrt(lambda) I rows and zero targets,
    /// as the reference code does; minimum-norm when underdetermined.
    case chebyshevLeastSquares(degree: Int, ridge: Double)
    /// Least squares on x itself (linear regression without intercept): ordinary least
    /// squares when `ridge` is 0, ridge regression otherwise (same appended rows).
    case linearLeastSquares(ridge: Double)

    public var description: String {
        switch self {
        case .zero: return "zero"
        case .chebyshevLeastSquares(let degree, let ridge):
            return ridge == 0 ? "chebyshev least squares degree \(degree)" : "chebyshev ridge degree \(degree) lambda \(ridge)"
        case .linearLeastSquares(let ridge):
            return ridge == 0 ? "ordinary least squares" : "ridge lambda \(ridge)"
        }
    }

    /// Throws a ``TaskError`` when a setting is out of range or the baseline does not fit
    /// prompts of `inputDimension` (Chebyshev features need scalar x).
    public func check(inputDimension: Int) throws {
        switch self {
        case .zero: return
        case .chebyshevLeastSquares(let degree, let ridge):
            guard degree >= 0, degree <= ChebyshevTask.maximumDegree else {
                throw TaskError(setting: "baseline degree", value: "\(degree)", expected: "a degree in 0...\(ChebyshevTask.maximumDegree)")
            }
            guard ridge >= 0, ridge.isFinite else { throw TaskError(setting: "ridge", value: "\(ridge)", expected: "a finite lambda >= 0") }
            guard inputDimension == 1 else {
                throw TaskError(setting: "baseline", value: description, expected: "prompts with scalar x (these have \(inputDimension) dimensions); use least squares on x instead")
            }
        case .linearLeastSquares(let ridge):
            guard ridge >= 0, ridge.isFinite else { throw TaskError(setting: "ridge", value: "\(ridge)", expected: "a finite lambda >= 0") }
        }
    }

    /// Predictions [count, points] for every point of every prompt of `batch`.
    /// Each least-squares problem is solved as numpy.linalg.lstsq solves it (see
    /// `LeastSquaresSolver` for when the faster QR path gives the same answer).
    /// Prompts are solved in parallel on `threads` threads (default: all cores).
    public func predictions(for batch: PromptBatch, threads: Int? = nil) throws -> [Double] {
        try check(inputDimension: batch.inputDimension)
        var output = [Double](repeating: 0, count: batch.count * batch.points)
        let features: Int
        switch self {
        case .zero: return output
        case .chebyshevLeastSquares(let degree, _): features = degree + 1
        case .linearLeastSquares: features = batch.inputDimension
        }
        let ridge: Double
        switch self {
        case .zero: ridge = 0
        case .chebyshevLeastSquares(_, let lambda), .linearLeastSquares(let lambda): ridge = lambda
        }
        let workers = max(1, min(threads ?? ProcessInfo.processInfo.activeProcessorCount, batch.count))
        let failures = output.withUnsafeMutableBufferPointer { out -> Int in
            let shared = DisjointWrites(out)
            let failureCounts = DisjointWrites<Int>.allocate(count: workers, initialValue: 0)
            defer { failureCounts.deallocate() }
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let first = batch.count * worker / workers, end = batch.count * (worker + 1) / workers
                failureCounts.base[worker] = predict(prompts: first..<end, of: batch, features: features, ridge: ridge, into: shared.base)
            }
            return failureCounts.base.reduce(0, +)
        }
        if failures > 0 {
            throw TaskError(setting: "baseline", value: description, expected: "LAPACK dgelsd to converge (it failed on \(failures) least-squares problems)")
        }
        return output
    }

    /// One worker's share; returns the number of LAPACK failures.
    private func predict(prompts: Range<Int>, of batch: PromptBatch, features n: Int, ridge: Double,
                         into output: UnsafeMutableBufferPointer<Double>) -> Int {
        let points = batch.points, d = batch.inputDimension
        let ridgeRows = ridge > 0 ? n : 0
        let ridgeScale = ridge.squareRoot()
        let solver = LeastSquaresSolver(maximumRows: max(1, points - 1 + ridgeRows), columns: n)
        var featureRows = [Double](repeating: 0, count: points * n)
        var coefficients = [Double](repeating: 0, count: n)
        var failures = 0
        for prompt in prompts {
            // The feature row of every point, once per prompt.
            featureRows.withUnsafeMutableBufferPointer { rows in
                for i in 0..<points {
                    let row = UnsafeMutableBufferPointer(rebasing: rows[(i * n)..<((i + 1) * n)])
                    switch self {
                    case .chebyshevLeastSquares(let degree, _):
                        Chebyshev.fill(row, degree: degree, at: Double(batch.xs[prompt * points + i]))
                    default:
                        for j in 0..<d { row[j] = Double(batch.xs[(prompt * points + i) * d + j]) }
                    }
                }
            }
            output[prompt * points] = 0
            guard points > 1 else { continue }
            for i in 1..<points {
                let ok = coefficients.withUnsafeMutableBufferPointer { solution in
                    solver.solve(
                        rows: i + ridgeRows,
                        row: { r, row in
                            if r < i {
                                for c in 0..<n { row[c] = featureRows[r * n + c] }
                            } else {
                                for c in 0..<n { row[c] = c == r - i ? ridgeScale : 0 }
                            }
                        },
                        target: { r in r < i ? Double(batch.ys[prompt * points + r]) : 0 },
                        solution: solution)
                }
                if !ok { failures += 1 }
                var prediction = 0.0
                for c in 0..<n { prediction += featureRows[i * n + c] * coefficients[c] }
                output[prompt * points + i] = ok ? prediction : .nan
            }
        }
        return failures
    }
}

/// A raw buffer handed to worker threads that write disjoint parts of it.
fileprivate struct DisjointWrites<Element>: @unchecked Sendable {
    let base: UnsafeMutableBufferPointer<Element>
    init(_ base: UnsafeMutableBufferPointer<Element>) { self.base = base }
    static func allocate(count: Int, initialValue value: Element) -> DisjointWrites {
        let buffer = UnsafeMutableBufferPointer<Element>.allocate(capacity: count)
        buffer.initialize(repeating: value)
        return DisjointWrites(buffer)
    }
    func deallocate() { base.deallocate() }
}
