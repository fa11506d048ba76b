import Foundation
import Testing
import PolyICLCore

@Suite struct ErrorStatisticsTests {
    /// Mean, median and the bootstrap interval against NumPy given the same resample
    /// indices (Garg et al.'s aggregate_metrics: sorted resampled means at int(0.05 B), int(0.95 B)).
    @Test func matchesNumPyWithTheSameResampleIndices() throws {
        let directory = try DataTestSupport.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let samples = 51, positions = 4, resamples = 200
        var dataGenerator = RandomGenerator(seed: 77)
        let first = (0..<(samples * positions)).map { _ in pow(dataGenerator.nextNormal(), 2) }
        let second = (0..<(samples * positions)).map { _ in dataGenerator.nextUnitDouble() }
        var indexGenerator = RandomGenerator(seed: 5)
        let indices = ErrorStatistics.resampleIndices(samples: samples, resamples: resamples, using: &indexGenerator)
        try NumpyFile.write(NumpyArray(shape: [samples, positions], values: first), to: directory.appendingPathComponent("first.npy"))
        try NumpyFile.write(NumpyArray(shape: [samples, positions], values: second), to: directory.appendingPathComponent("second.npy"))
        try NumpyFile.write(NumpyArray(shape: [resamples, samples], values: indices.map(Double.init)), to: directory.appendingPathComponent("indices.npy"))
        try DataTestSupport.runPython("""
            import numpy as np
            idx = np.load('indices.npy').astype(np.int64)
            B = idx.shape[0]
            for name in ['first', 'second']:
                e = np.load(name + '.npy')
                means = np.sort(e[idx].mean(axis=1), axis=0)
                out = np.stack([e.mean(axis=0), np.median(e, axis=0), means[int(0.05 * B)], means[int(0.95 * B)]])
                np.save(name + '_stats.npy', out)
            """, in: directory)
        var generator = RandomGenerator(seed: 5)
        let summaries = ErrorStatistics.summarize([first, second], samples: samples, positions: positions, resamples: resamples, using: &generator)
        for (summary, name) in zip(summaries, ["first", "second"]) {
            let reference = try NumpyFile.read(directory.appendingPathComponent("\(name)_stats.npy")).values
            let ours = summary.mean + summary.median + summary.lower + summary.upper
            for (a, b) in zip(ours, reference) { #expect(abs(a - b) <= 1e-12 * max(1, abs(b)), "\(name)") }
        }
    }

    @Test func knownAnswers() {
        // Constant errors: every statistic is the constant.
        var generator = RandomGenerator(seed: 1)
        let constant = ErrorStatistics.summarize([[Double](repeating: 2.5, count: 30)], samples: 10, positions: 3, using: &generator)[0]
        for values in [constant.mean, constant.median, constant.lower, constant.upper] { #expect(values == [2.5, 2.5, 2.5]) }
        // Median of an even count is the mean of the middle two, as NumPy.
        let even = ErrorStatistics.summarize([[4, 1, 3, 100]], samples: 4, positions: 1, resamples: 10, using: &generator)[0]
        #expect(even.median == [3.5])
        #expect(even.mean == [27])
        // Normal errors: the 90% bootstrap interval of the mean is about mean +- 1.645 sd / sqrt(n).
        var data = RandomGenerator(seed: 2)
        let n = 2000
        let errors = (0..<n).map { _ in 3 + 2 * data.nextNormal() }
        let summary = ErrorStatistics.summarize([errors], samples: n, positions: 1, using: &generator)[0]
        let halfWidth = 1.645 * 2 / Double(n).squareRoot()
        #expect(abs((summary.upper[0] - summary.lower[0]) / 2 - halfWidth) < 0.15 * halfWidth)
        #expect(summary.lower[0] < summary.mean[0] && summary.mean[0] < summary.upper[0])
    }
}

@Suite struct EvaluationTests {
    /// The zero predictor's mean squared error is the mean of y^2 over the same prompts,
    /// drawn from the documented generator; chunking does not change the prompts.
    @Test func zeroPredictorIsTheMeanOfSquaredTargets() throws {
        let task = try ChebyshevTask(degrees: 0...5)
        let settings = EvaluationSettings(points: 9, samples: 50, seed: 13, chunkSize: 7, resamples: 100)
        let table = try Evaluation.run(source: task, predictors: [.baseline(.zero)], settings: settings)
        var root = RandomGenerator(seed: 13)
        var generator = root.fork()
        var batch = PromptBatch(count: 50, points: 9)
        task.fill(&batch, using: &generator)
        var means = [Double](repeating: 0, count: 9)
        for p in 0..<9 {
            for prompt in 0..<50 { means[p] += pow(Double(batch.ys[prompt * 9 + p]), 2) }
            means[p] /= 50
        }
        let column = try #require(table[column: "zero mean"])
        for (a, b) in zip(column, means) { #expect(abs(a - b) <= 1e-12 * max(1, b)) }
        #expect(table[column: "position"] == (0..<9).map(Double.init))
        #expect(table.columns.map(\.name) == ["position", "zero mean", "zero median", "zero lower", "zero upper"])
        #expect(table.notes["samples"] == "50")
        #expect(table.notes["seed"] == "13")
        #expect(table.notes["task"] == task.description)
        let whole = try Evaluation.run(source: task, predictors: [.baseline(.zero)], settings: EvaluationSettings(points: 9, samples: 50, seed: 13, chunkSize: 50, resamples: 100))
        #expect(whole == table)
    }

    @Test func modelClosuresAreScoredLikeBaselines() throws {
        let task = try ChebyshevTask(degrees: 2...2)
        let baseline = Baseline.chebyshevLeastSquares(degree: 2, ridge: 0)
        let settings = EvaluationSettings(points: 8, samples: 30, seed: 3, chunkSize: 10, resamples: 50)
        var calls = 0
        let table = try Evaluation.run(
            source: task,
            predictors: [
                .baseline(baseline, named: "lstsq"),
                .model(named: "oracle") { batch in batch.ys },
                .model(named: "model") { batch in
                    calls += 1
                    return try baseline.predictions(for: batch).map { Float($0) }
                },
            ],
            settings: settings)
        #expect(calls == 3)
        #expect(try #require(table[column: "oracle mean"]).allSatisfy { $0 == 0 })
        // Noiseless degree-2 data: least squares is exact from 3 points on.
        let lstsq = try #require(table[column: "lstsq mean"]), model = try #require(table[column: "model mean"])
        for p in 3..<8 { #expect(lstsq[p] < 1e-10 && model[p] < 1e-10) }  // y is rounded to Float32
        #expect(lstsq[0] > 0.1 && abs(lstsq[0] - model[0]) < 1e-12)
    }

    @Test func progressCancellationAndBadPredictors() throws {
        let task = try ChebyshevTask(degrees: 0...3)
        var reports: [EvaluationProgress] = []
        _ = try Evaluation.run(source: task, predictors: [.baseline(.zero)],
                               settings: EvaluationSettings(points: 5, samples: 25, seed: 0, chunkSize: 10, resamples: 10),
                               progress: { reports.append($0) })
        #expect(reports.map(\.promptsDone) == [10, 20, 25])
        #expect(reports.allSatisfy { $0.promptsTotal == 25 })

        var checks = 0
        let cancelled = #expect(throws: EvaluationError.self) {
            try Evaluation.run(source: task, predictors: [.baseline(.zero)],
                               settings: EvaluationSettings(points: 5, samples: 25, seed: 0, chunkSize: 10, resamples: 10),
                               isCancelled: { checks += 1; return checks == 2 })
        }
        #expect(cancelled == .cancelled)
        #expect(checks == 2)

        let wrong = #expect(throws: EvaluationError.self) {
            try Evaluation.run(source: task, predictors: [.model(named: "m") { _ in [0, 1] }],
                               settings: EvaluationSettings(points: 5, samples: 4, seed: 0, resamples: 10))
        }
        #expect(wrong == .wrongPredictionCount(predictor: "m", found: 2, expected: 20))
        #expect(throws: EvaluationError.self) {
            try Evaluation.run(source: task, predictors: [.baseline(.zero), .baseline(.zero)], settings: EvaluationSettings(points: 5, samples: 4))
        }
    }

    @Test func standardBaselinesFollowThePaper() throws {
        let chebyshev = EvaluationPredictor.standardBaselines(for: try ChebyshevTask(degrees: 0...11))
        #expect(chebyshev.map(\.name) == ["least squares", "ridge 0.2", "zero"])
        #expect(chebyshev.map(\.baseline) == [.chebyshevLeastSquares(degree: 11, ridge: 0), .chebyshevLeastSquares(degree: 11, ridge: 0.2), .zero])
        let noisy = EvaluationPredictor.standardBaselines(for: try LinearRegressionTask(dimension: 5, noiseVariance: 0.25))
        #expect(noisy.map(\.baseline) == [.linearLeastSquares(ridge: 0), .linearLeastSquares(ridge: 0.25), .zero])
        #expect(EvaluationPredictor.standardBaselines(for: try LinearRegressionTask(dimension: 5)).count == 2)
    }

    @Test func filePromptsAreEvaluatedInFileOrder() throws {
        let ys = (0..<(6 * 3)).map { Double($0 % 5) - 1.5 }
        let source = try FilePrompts(xs: NumpyArray(shape: [6, 3], values: [Double](repeating: 0.5, count: 18)), ys: NumpyArray(shape: [6, 3], values: ys))
        let table = try Evaluation.run(source: source, predictors: [.baseline(.zero)],
                                       settings: EvaluationSettings(points: 2, samples: 4, seed: 9, chunkSize: 3, resamples: 10))
        var expected = [0.0, 0.0]
        for p in 0..<2 {
            for prompt in 0..<4 { expected[p] += ys[prompt * 3 + p] * ys[prompt * 3 + p] / 4 }
        }
        #expect(table[column: "zero mean"] == expected)
        #expect(throws: FileFormatError.self) {
            try Evaluation.run(source: source, predictors: [.baseline(.zero)], settings: EvaluationSettings(points: 2, samples: 7))
        }
    }

    @Test func pairedDifferencesAreBootstrappedPromptByPrompt() throws {
        let task = try ChebyshevTask(degrees: 0...4)
        let samples = 40, points = 6, resamples = 200
        let settings = EvaluationSettings(points: points, samples: samples, seed: 21, chunkSize: samples, resamples: resamples,
                                          pairedReferences: ["zero"])
        let predictors: [EvaluationPredictor] = [
            .model(named: "half") { batch in batch.ys.map { $0 / 2 } },
            .baseline(.zero),
        ]
        let table = try Evaluation.run(source: task, predictors: predictors, settings: settings)

        // Independently: the same prompts, then (y/2 - y)^2 - y^2 = -0.75 y^2 per prompt,
        // resampled with the indices Evaluation's bootstrap draws.
        var root = RandomGenerator(seed: 21)
        var promptGenerator = root.fork()
        var bootstrapGenerator = root.fork()
        var batch = PromptBatch(count: samples, points: points)
        task.fill(&batch, using: &promptGenerator)
        let differences = batch.ys.map { value -> Double in
            let y = Double(value), half = Double(value / 2)
            return (y - half) * (y - half) - y * y
        }
        let indices = ErrorStatistics.resampleIndices(samples: samples, resamples: resamples, using: &bootstrapGenerator)
        let name = Evaluation.differenceName("half", "zero")
        for p in 0..<points {
            let mean = (0..<samples).map { differences[$0 * points + p] }.reduce(0, +) / Double(samples)
            let means = (0..<resamples).map { b in
                (0..<samples).map { differences[indices[b * samples + $0] * points + p] }.reduce(0, +) / Double(samples)
            }.sorted()
            #expect(abs(table[column: name + " mean"]![p] - mean) <= 1e-12 * max(1, abs(mean)))
            #expect(abs(table[column: name + " lower"]![p] - means[resamples * 5 / 100]) <= 1e-12 * max(1, abs(mean)))
            #expect(abs(table[column: name + " upper"]![p] - means[resamples * 95 / 100]) <= 1e-12 * max(1, abs(mean)))
            #expect(table[column: name + " upper"]![p] < 0, "halving every prediction always lowers the error")
        }

        // Pairing adds columns and changes none of the others.
        var unpaired = settings
        unpaired.pairedReferences = []
        let plain = try Evaluation.run(source: task, predictors: predictors, settings: unpaired)
        for column in plain.columns { #expect(table[column: column.name] == column.values, "\(column.name)") }
        #expect(table.columns.count == plain.columns.count + 4)

        // A reference that is not another predictor is refused, naming the ones there are.
        var wrong = settings
        wrong.pairedReferences = ["ridge 0.2"]
        #expect(throws: EvaluationError.invalidSetting("cannot pair 'half' with 'ridge 0.2': expected one of the other predictors (zero)")) {
            try Evaluation.run(source: task, predictors: predictors, settings: wrong)
        }
        wrong.pairedReferences = ["half"]
        #expect(throws: EvaluationError.self) { try Evaluation.run(source: task, predictors: predictors, settings: wrong) }
    }
}
