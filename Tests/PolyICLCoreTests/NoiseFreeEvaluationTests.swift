import Testing
import PolyICLCore

/// Errors against the noise-free targets (the paper's Figure 13 plots the loss to the ground
/// truth), checked against hand values and the noise variance.
@Suite struct NoiseFreeEvaluationTests {
    static func zeroErrors(_ task: ChebyshevTask, target: EvaluationTarget, samples: Int = 400, points: Int = 5) throws -> [Double] {
        let settings = EvaluationSettings(points: points, samples: samples, seed: 3, chunkSize: 128, resamples: 10, threads: 1, target: target)
        let table = try Evaluation.run(source: task, predictors: [.baseline(.zero)], settings: settings)
        return try #require(table[column: "zero mean"])
    }

    /// p(x) = T_0(x) = 1 exactly (degree 0, its one coefficient fixed to 1): the zero
    /// predictor's noise-free error is 1 at every position, and 0.25 once clamped at 0.5,
    /// whatever the noise; against the observed y it is about 1 + the noise variance.
    @Test func constantPolynomialGivesHandValues() throws {
        let noisy = try ChebyshevTask(degrees: 0...0, fixedCoefficients: 1, noiseVariance: 0.5)
        for value in try Self.zeroErrors(noisy, target: .noiseFree) { #expect(abs(value - 1) < 1e-12) }
        let clamped = try ChebyshevTask(degrees: 0...0, fixedCoefficients: 1, noiseVariance: 0.5, clampThreshold: 0.5)
        for value in try Self.zeroErrors(clamped, target: .noiseFree) { #expect(abs(value - 0.25) < 1e-12) }
        let observed = try Self.zeroErrors(noisy, target: .observed, samples: 4000)
        let mean = observed.reduce(0, +) / Double(observed.count)
        // E[(1 + e)^2] = 1.5 for e ~ N(0, 0.5); 20,000 draws give a standard error of about 0.008.
        #expect(abs(mean - 1.5) < 0.05, "observed error \(mean), expected about 1.5")
    }

    /// On the same prompts, (p + e)^2 - p^2 = 2 p e + e^2 has mean 0.5 for e ~ N(0, 0.5)
    /// independent of p: the two targets differ by exactly the noise.
    @Test func observedMinusNoiseFreeIsTheNoiseVariance() throws {
        let task = try ChebyshevTask(degrees: 5...5, fixedCoefficients: 3, noiseVariance: 0.5)
        let observed = try Self.zeroErrors(task, target: .observed, samples: 4000)
        let clean = try Self.zeroErrors(task, target: .noiseFree, samples: 4000)
        let difference = zip(observed, clean).map { $0 - $1 }.reduce(0, +) / Double(observed.count)
        // Standard deviation of 2pe + e^2 is about 3 here; 20,000 draws: standard error 0.02.
        #expect(abs(difference - 0.5) < 0.08, "observed - noise-free = \(difference), expected about 0.5")
        // Without noise the two targets are the same numbers.
        let noiseless = try ChebyshevTask(degrees: 5...5, fixedCoefficients: 3)
        #expect(try Self.zeroErrors(noiseless, target: .observed) == Self.zeroErrors(noiseless, target: .noiseFree))
    }

    @Test func tasksWithoutNoiseFreeValuesAreRefused() throws {
        let linear = try LinearRegressionTask(dimension: 2, noiseVariance: 0.1)
        let settings = EvaluationSettings(points: 3, samples: 4, target: .noiseFree)
        #expect { try Evaluation.run(source: linear, predictors: [.baseline(.zero)], settings: settings) } throws: { error in
            "\(error)".contains("noise-free targets need a task that knows them")
        }
    }
}
