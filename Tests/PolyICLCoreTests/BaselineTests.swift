import Foundation
import Testing
import PolyICLCore

@Suite struct BaselineTests {
    /// Every baseline's prediction at every position equals NumPy's `lstsq` on the same
    /// prompts (Chebyshev features from numpy.polynomial.chebyshev.chebvander, ridge by
    /// appended sqrt(lambda) I rows), including the underdetermined positions.
    @Test func matchNumPyLeastSquaresOnTheSamePrompts() throws {
        let directory = try DataTestSupport.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var generator = RandomGenerator(seed: 2024)
        var chebyshev = PromptBatch(count: 40, points: 15)
        try ChebyshevTask(degrees: 0...6, noiseVariance: 0.1).fill(&chebyshev, using: &generator)
        // Prompt 0 has only three distinct x: rank-deficient even with many points, which
        // least squares must answer with the minimum-norm solution, as numpy does.
        for i in 0..<15 { chebyshev.xs[i] = [-0.7, 0.1, 0.6][i % 3] }
        // The paper's evaluation shape: degree up to 11, 31 points (ill-conditioned fits near 12 points).
        var paper = PromptBatch(count: 60, points: 31)
        try ChebyshevTask(degrees: 0...11).fill(&paper, using: &generator)
        try NumpyFile.write(NumpyArray(shape: [60, 31], floats: paper.xs), to: directory.appendingPathComponent("paper_xs.npy"))
        try NumpyFile.write(NumpyArray(shape: [60, 31], floats: paper.ys), to: directory.appendingPathComponent("paper_ys.npy"))
        var linear = PromptBatch(count: 30, points: 12, inputDimension: 4)
        try LinearRegressionTask(dimension: 4, noiseVariance: 0.2).fill(&linear, using: &generator)
        try NumpyFile.write(NumpyArray(shape: [40, 15], floats: chebyshev.xs), to: directory.appendingPathComponent("cheb_xs.npy"))
        try NumpyFile.write(NumpyArray(shape: [40, 15], floats: chebyshev.ys), to: directory.appendingPathComponent("cheb_ys.npy"))
        try NumpyFile.write(NumpyArray(shape: [30, 12, 4], floats: linear.xs), to: directory.appendingPathComponent("lin_xs.npy"))
        try NumpyFile.write(NumpyArray(shape: [30, 12], floats: linear.ys), to: directory.appendingPathComponent("lin_ys.npy"))
        try DataTestSupport.runPython("""
            import numpy as np
            from numpy.polynomial import chebyshev as C

            def fit(F, y, lam):
                if lam > 0:
                    n = F.shape[1]
                    F = np.vstack([F, np.sqrt(lam) * np.eye(n)])
                    y = np.concatenate([y, np.zeros(n)])
                return np.linalg.lstsq(F, y, rcond=None)[0]

            def predictions(features, ys, lam):
                prompts, points = ys.shape
                out = np.zeros((prompts, points))
                for p in range(prompts):
                    for i in range(1, points):
                        coef = fit(features[p, :i], ys[p, :i], lam)
                        out[p, i] = features[p, i] @ coef
                return out

            xs = np.load('cheb_xs.npy').astype(np.float64)
            ys = np.load('cheb_ys.npy').astype(np.float64)
            for degree, lam in [(6, 0.0), (6, 0.2), (3, 0.0), (0, 0.5)]:
                features = C.chebvander(xs, degree)
                np.save('cheb_%d_%g.npy' % (degree, lam), predictions(features, ys, lam))
            pxs = np.load('paper_xs.npy').astype(np.float64)
            pys = np.load('paper_ys.npy').astype(np.float64)
            for lam in [0.0, 0.2]:
                np.save('paper_%g.npy' % lam, predictions(C.chebvander(pxs, 11), pys, lam))
            lxs = np.load('lin_xs.npy').astype(np.float64)
            lys = np.load('lin_ys.npy').astype(np.float64)
            for lam in [0.0, 0.5]:
                np.save('lin_%g.npy' % lam, predictions(lxs, lys, lam))
            """, in: directory)
        func compare(_ baseline: Baseline, _ batch: PromptBatch, _ file: String) throws {
            let ours = try baseline.predictions(for: batch)
            let reference = try NumpyFile.read(directory.appendingPathComponent(file)).values
            #expect(ours.count == reference.count)
            var worst = 0.0
            for (a, b) in zip(ours, reference) { worst = worse(worst, abs(a - b) / (1 + abs(b))) }
            #expect(worst < 1e-7, "\(baseline): largest relative difference \(worst)")
            for prompt in 0..<batch.count { #expect(ours[prompt * batch.points] == 0) }
        }
        try compare(.chebyshevLeastSquares(degree: 6, ridge: 0), chebyshev, "cheb_6_0.npy")
        try compare(.chebyshevLeastSquares(degree: 6, ridge: 0.2), chebyshev, "cheb_6_0.2.npy")
        try compare(.chebyshevLeastSquares(degree: 3, ridge: 0), chebyshev, "cheb_3_0.npy")
        try compare(.chebyshevLeastSquares(degree: 0, ridge: 0.5), chebyshev, "cheb_0_0.5.npy")
        try compare(.chebyshevLeastSquares(degree: 11, ridge: 0), paper, "paper_0.npy")
        try compare(.chebyshevLeastSquares(degree: 11, ridge: 0.2), paper, "paper_0.2.npy")
        try compare(.linearLeastSquares(ridge: 0), linear, "lin_0.npy")
        try compare(.linearLeastSquares(ridge: 0.5), linear, "lin_0.5.npy")
    }

    /// Hand-checkable cases: a noiseless polynomial of degree <= the baseline's is
    /// recovered exactly once there are enough points; one point of a constant fit is its y.
    @Test func exactFitsAndTheZeroPredictor() throws {
        var batch = PromptBatch(count: 2, points: 8)
        let xs: [Float] = [-0.9, -0.5, -0.1, 0.2, 0.4, 0.6, 0.8, 0.95]
        for prompt in 0..<2 {
            for i in 0..<8 {
                let x = Double(xs[i])
                batch.xs[prompt * 8 + i] = xs[i]
                batch.ys[prompt * 8 + i] = Float(prompt == 0 ? 2 * x * x - 1 : 3.0)  // T2, and a constant
            }
        }
        let predictions = try Baseline.chebyshevLeastSquares(degree: 3, ridge: 0).predictions(for: batch)
        for i in 4..<8 {
            let x = Double(xs[i])
            #expect(abs(predictions[i] - Double(Float(2 * x * x - 1))) < 1e-5)
        }
        let constant = try Baseline.chebyshevLeastSquares(degree: 0, ridge: 0).predictions(for: batch)
        #expect(constant[8] == 0)
        for i in 1..<8 { #expect(abs(constant[8 + i] - 3) < 1e-12) }
        // Ridge with lambda on a constant fit from i points of y = 3: 3 i / (i + lambda).
        let ridge = try Baseline.chebyshevLeastSquares(degree: 0, ridge: 2).predictions(for: batch)
        for i in 1..<8 { #expect(abs(ridge[8 + i] - 3 * Double(i) / (Double(i) + 2)) < 1e-12) }
        #expect(try Baseline.zero.predictions(for: batch).allSatisfy { $0 == 0 })
    }

    @Test func badBaselinesSayWhatIsWrong() {
        let batch = PromptBatch(count: 1, points: 3, inputDimension: 2)
        #expect(throws: TaskError.self) { try Baseline.chebyshevLeastSquares(degree: 3, ridge: 0).predictions(for: batch) }
        #expect(throws: TaskError.self) { try Baseline.chebyshevLeastSquares(degree: -1, ridge: 0).check(inputDimension: 1) }
        #expect(throws: TaskError.self) { try Baseline.linearLeastSquares(ridge: -0.1).check(inputDimension: 1) }
    }
}
