import Foundation
import Testing
@testable import PolyICLCore

/// Alignment tables, jailbreak tables and soft-prompt analysis against hand-computed values
/// and independent computations.
@Suite struct AlignmentAndPromptAnalysisTests {
    let settings = EvaluationSettings(points: 9, samples: 200, seed: 3, resamples: 100, threads: 1)

    @Test func inContextAlignmentSplitsErrorsByTheTrueValue() throws {
        let task = try ChebyshevTask(degrees: 3...3)
        // The zero predictor: error T^2 above the threshold (target T), p(x)^2 below (target p).
        let table = try AlignmentEvaluation.inContext(task: task, threshold: 0.5, predictors: [.baseline(.zero, named: "zero")], settings: settings)
        // The same prompts, drawn independently here: a clamped task from the same fork.
        var root = RandomGenerator(seed: settings.seed)
        var generator = root.fork()
        var batch = PromptBatch(count: 200, points: 9)
        var clean: [Float] = []
        try ChebyshevTask(degrees: 3...3, clampThreshold: 0.5).fill(&batch, cleanValues: &clean, using: &generator)
        let aboveMedian = try #require(table[column: "zero above median"])
        let belowMean = try #require(table[column: "zero below mean"])
        let aboveCount = try #require(table[column: "above count"])
        for i in 0..<9 {
            let below = (0..<200).map { Double(clean[$0 * 9 + i]) }.filter { $0 <= 0.5 }
            #expect(aboveCount[i] == Double(200 - below.count))
            #expect(aboveMedian[i] == 0.25)
            #expect(abs(belowMean[i] - below.map { $0 * $0 }.reduce(0, +) / Double(below.count)) < 1e-9)
        }
        // A predictor that answers min(p(x), T) exactly has no error in either class.
        let oracle = EvaluationPredictor.model(named: "oracle") { batch in
            batch.xs.map { _ in 0 }.enumerated().map { k, _ in min(clean[k], 0.5) }
        }
        let exact = try AlignmentEvaluation.inContext(task: task, threshold: 0.5, predictors: [oracle], settings: settings)
        #expect(try #require(exact[column: "oracle above median"]).allSatisfy { $0 < 1e-12 })
        #expect(try #require(exact[column: "oracle below mean"]).allSatisfy { $0 < 1e-12 })
    }

    /// The violation rate against hand values and a probability: answers 0.4 or 0.6 never or
    /// always exceed T; on p(x) = T_0 = 1 (every query above T) the answer y = x exceeds
    /// T = 0.5 with probability P(x > 0.5) = 1/4 for x ~ U(-1, 1).
    @Test func violationRateCountsAnswersAboveTheThresholdWhereTheAlignedAnswerIsT() throws {
        let constant = { (name: String, value: Float) in
            EvaluationPredictor.model(named: name) { batch in [Float](repeating: value, count: batch.count * batch.points) }
        }
        let identity = EvaluationPredictor.model(named: "x") { batch in batch.xs }
        let task = try ChebyshevTask(degrees: 3...3)
        let table = try AlignmentEvaluation.inContext(task: task, threshold: 0.5, predictors: [constant("low", 0.4), constant("high", 0.6)], settings: settings)
        // Degree-3 polynomials rise above 0.5 in some of 200 prompts at every position.
        #expect(try #require(table[column: "above count"]).allSatisfy { $0 > 0 })
        #expect(try #require(table[column: "low violation rate"]).allSatisfy { $0 == 0 })
        #expect(try #require(table[column: "high violation rate"]).allSatisfy { $0 == 1 })
        let one = try ChebyshevTask(degrees: 0...0, fixedCoefficients: 1)
        let many = EvaluationSettings(points: 5, samples: 4000, seed: 9, resamples: 10, threads: 1)
        let rates = try #require(try AlignmentEvaluation.inContext(task: one, threshold: 0.5, predictors: [identity], settings: many)[column: "x violation rate"])
        let rate = rates.reduce(0, +) / Double(rates.count)
        // 20,000 queries: standard error sqrt(0.25 * 0.75 / 20000) = 0.003.
        #expect(abs(rate - 0.25) < 0.015, "violation rate \(rate), expected about 0.25")
    }

    @Test func jailbreakQueriesLieAboveTheThresholdAfterUnclampedExamples() throws {
        let task = try ChebyshevTask(degrees: 2...2)
        final class Seen { var queriesAbove = true, contextAbove = 0 }
        let state = Seen()
        let probe = EvaluationPredictor.model(named: "probe") { batch in
            for s in 0..<batch.count {
                state.queriesAbove = state.queriesAbove && batch.ys[s * batch.points + batch.points - 1] > 0.5
                for i in 0..<(batch.points - 1) where batch.ys[s * batch.points + i] > 0.5 { state.contextAbove += 1 }
            }
            return [Float](repeating: 1, count: batch.count * batch.points)  // always above T
        }
        let table = try AlignmentEvaluation.jailbreak(
            task: task, threshold: 0.5, maximumExamples: 6, predictors: [probe, .baseline(.zero, named: "zero")], settings: settings)
        #expect(table[column: "examples"] == (0...6).map(Double.init))
        #expect(state.queriesAbove)
        #expect(state.contextAbove > 0, "context examples are not clamped")
        // Hand values: always 1 -> every answer above T, error (1 - 0.5)^2; zero -> none, error 0.25 too.
        #expect(try #require(table[column: "probe above threshold mean"]).allSatisfy { $0 == 1 })
        #expect(try #require(table[column: "zero above threshold upper"]).allSatisfy { $0 == 0 })
        #expect(try #require(table[column: "zero error mean"]).allSatisfy { abs($0 - 0.25) < 1e-12 })
        #expect(try #require(table[column: "probe error median"]).allSatisfy { abs($0 - 0.25) < 1e-12 })
    }

    @Test func rotationKeepsTheNormAndTheFullAngleReachesTheHardPrompt() {
        var generator = RandomGenerator(seed: 4)
        let v = randomFloats(16, &generator), h = randomFloats(16, &generator)
        let full = SoftPromptAnalysis.angle(v, h)
        for angle in [-0.8, -0.3, 0, 0.4, 0.8, full] {
            let r = SoftPromptAnalysis.rotated(v, toward: h, by: angle)
            #expect(abs(SoftPromptAnalysis.norm(r) - SoftPromptAnalysis.norm(v)) < 1e-4)
            // The angle to v is |angle|; toward h shrinks the angle to h, away grows it.
            #expect(abs(SoftPromptAnalysis.angle(r, v) - abs(angle)) < 1e-3)
            #expect(abs(SoftPromptAnalysis.angle(r, h) - abs(full - angle)) < 1e-3)
        }
        let landed = SoftPromptAnalysis.rotated(v, toward: h, by: full)
        let expected = h.map { Float(Double($0) * SoftPromptAnalysis.norm(v) / SoftPromptAnalysis.norm(h)) }
        for j in 0..<16 { #expect(abs(landed[j] - expected[j]) < 1e-4) }
    }

    @Test func nearestHardPromptIsTheOrthogonalProjectionOntoTheReadInLine() {
        var generator = RandomGenerator(seed: 5)
        let weight = randomFloats(16, &generator), bias = randomFloats(16, &generator), v = randomFloats(16, &generator, scale: 3)
        let (token, point) = SoftPromptAnalysis.nearestHardPrompt(of: v, weight: weight, bias: bias, inputWidth: 1, isY: false)
        // On the line: point = W t + b; the residual v - point is orthogonal to W.
        for j in 0..<16 { #expect(abs(Double(point[j]) - (Double(weight[j]) * token[0] + Double(bias[j]))) < 1e-5) }
        let residualDotW = (0..<16).reduce(0.0) { $0 + Double(v[$1] - point[$1]) * Double(weight[$1]) }
        #expect(abs(residualDotW) < 1e-3)
        // No other point of the line is closer.
        func distance(_ t: Double) -> Double { (0..<16).reduce(0.0) { $0 + pow(Double(v[$1]) - Double(weight[$1]) * t - Double(bias[$1]), 2) } }
        #expect(distance(token[0]) <= distance(token[0] + 0.01) && distance(token[0]) <= distance(token[0] - 0.01))
    }

    @Test func promptTableAndPerturbationCurves() throws {
        var generator = RandomGenerator(seed: 6)
        let configuration = ModelConfiguration(embedding: 16, layers: 2, heads: 2, points: 8)
        let model = try TransformerModel(configuration: configuration, generator: &generator, threads: 2)
        try model.setParameters(ModelReferenceTests.roughParameters(configuration, &generator))
        #expect(throws: FineTuningError.self) { try SoftPromptAnalysis.nearestHardPrompts(model: model) }
        let adapters = try ModelAdapters(model: model, lora: nil, softPromptPairs: 2, generator: &generator)
        try model.attach(adapters)
        // Initialised as read_in of scalars, every vector is its own nearest hard prompt.
        let initial = try SoftPromptAnalysis.nearestHardPrompts(model: model)
        #expect(initial.rowCount == 4 && initial[column: "is y"] == [0, 1, 0, 1])
        #expect(try #require(initial[column: "distance"]).allSatisfy { $0 < 1e-4 })
        // Moved off the line, the distance is what it was moved by, orthogonally to W.
        let (weight, _) = model.readInParameters
        var offset = randomFloats(16, &generator)
        let along = zip(offset, weight).reduce(Float(0)) { $0 + $1.0 * $1.1 } / weight.reduce(Float(0)) { $0 + $1 * $1 }
        offset = zip(offset, weight).map { $0 - along * $1 }
        let moved = adapters.promptVectors.enumerated().map { t, v in t == 1 ? zip(v, offset).map { $0 + $1 } : v }
        try adapters.setPromptVectors(moved)
        let table = try SoftPromptAnalysis.nearestHardPrompts(model: model)
        #expect(abs(try #require(table[column: "distance"])[1] - SoftPromptAnalysis.norm(offset)) < 1e-3)

        let task = try ChebyshevTask(degrees: 3...3)
        let curveSettings = EvaluationSettings(points: 5, samples: 50, seed: 1, resamples: 50, threads: 1)
        let scale = try SoftPromptAnalysis.perturbationCurve(model: model, task: task, perturbation: .scale([0.5, 1, 1.2]), settings: curveSettings)
        let rotation = try SoftPromptAnalysis.perturbationCurve(model: model, task: task, perturbation: .rotation([-0.8, 0, 0.8]), settings: curveSettings)
        #expect(adapters.promptVectors == moved, "the prompt is restored")
        // Unperturbed (scale 1, angle 0): the plain error on the same prompts, computed here.
        var root = RandomGenerator(seed: 1)
        var prompts = root.fork()
        var batch = PromptBatch(count: 50, points: 5)
        task.fill(&batch, using: &prompts)
        let predictions = try model.predict(batch)
        let plain = zip(predictions, batch.ys).reduce(0.0) { $0 + pow(Double($1.0 - $1.1), 2) } / 250
        #expect(abs(try #require(scale[column: "mean"])[1] - plain) < 1e-9 * max(1, plain))
        #expect(abs(try #require(rotation[column: "mean"])[1] - plain) < 1e-9 * max(1, plain))
        #expect(try #require(scale[column: "mean"])[0] != plain)
        #expect(rotation[column: "angle"] == [-0.8, 0, 0.8])
    }
}
