import Foundation
import Testing
@testable import PolyICLCore

/// Shift families, error against shift size, and the signature run end to end.
@Suite struct ShiftTests {
    @Test func familiesBuildTheShiftedTasks() throws {
        let linear = try LinearRegressionTask(dimension: 3, noiseVariance: 0.1, xShift: 0.5, xScale: 2, wShift: 0, wScale: 1)
        let cases: [(ShiftFamily.Kind, Double, (LinearRegressionTask) -> Bool)] = [
            (.xShift, 2, { $0.xShift == 2.5 && $0.xScale == 2 }),
            (.xScale, 3, { $0.xScale == 6 && $0.xShift == 0.5 }),
            (.wShift, -1, { $0.wShift == -1 && $0.wScale == 1 }),
            (.wScale, 0.5, { $0.wScale == 0.5 && $0.noiseVariance == 0.1 }),
        ]
        for (kind, size, check) in cases {
            let family = try ShiftFamily(task: linear, kind: kind, sizes: [kind.identitySize, size])
            #expect(try family.task(size: kind.identitySize) as? LinearRegressionTask == linear)
            let shifted = try #require(try family.task(size: size) as? LinearRegressionTask)
            #expect(check(shifted), "\(kind)")
        }
        let chebyshev = try ChebyshevTask(degrees: 2...5, fixedCoefficients: 1)
        let x = try #require(try ShiftFamily(task: chebyshev, kind: .xShift, sizes: [1.5]).task(size: 1.5) as? ChebyshevTask)
        #expect(x.xLower == 0.5 && x.xUpper == 2.5)
        let wide = try #require(try ShiftFamily(task: chebyshev, kind: .xScale, sizes: [2]).task(size: 2) as? ChebyshevTask)
        #expect(wide.xLower == -2 && wide.xUpper == 2)
        let degrees = try #require(try ShiftFamily(task: chebyshev, kind: .degreeShift, sizes: [3]).task(size: 3) as? ChebyshevTask)
        #expect(degrees.degrees == 5...8 && degrees.fixedCoefficients == 1)

        #expect(throws: AnalysisError.self) { try ShiftFamily(task: linear, kind: .degreeShift, sizes: [1]) }
        #expect(throws: AnalysisError.self) { try ShiftFamily(task: chebyshev, kind: .wScale, sizes: [1]) }
        #expect(throws: TaskError.self) { try ShiftFamily(task: chebyshev, kind: .degreeShift, sizes: [0.5]) }
        #expect(throws: TaskError.self) { try ShiftFamily(task: chebyshev, kind: .degreeShift, sizes: [-3]) }
        #expect(throws: TaskError.self) { try ShiftFamily(task: linear, kind: .xScale, sizes: [-1]) }
        #expect(throws: AnalysisError.self) { try ShiftFamily(task: linear, kind: .xShift, sizes: []) }
        #expect(throws: AnalysisError.self) { try ShiftFamily(task: FilePromptsStandIn(), kind: .xShift, sizes: [1]) }
    }

    /// Least squares is exact at every x shift (noise-free, more points than dimensions);
    /// predicting zero costs E[(w.x)^2] = d (1 + s^2) for x ~ N(s, I), w ~ N(0, I).
    @Test func errorBySizeMatchesHandComputedValues() throws {
        let d = 4
        let family = try ShiftFamily(task: try LinearRegressionTask(dimension: d), kind: .xShift, sizes: [0, 1, 3])
        let settings = EvaluationSettings(points: 12, samples: 4000, seed: 5, chunkSize: 1000, resamples: 50)
        let constant = EvaluationPredictor.model(named: "constant one") { batch in [Float](repeating: 1, count: batch.count * batch.points) }
        var calls: [Int] = []
        let table = try ShiftEvaluation.run(family: family, predictors: [constant], settings: settings) { done, _ in calls.append(done) }
        #expect(calls == [1, 2, 3])
        #expect(table[column: "size"] == [0, 1, 3])
        let leastSquares = try #require(table[column: "least squares mean"])
        let zero = try #require(table[column: "zero mean"])
        let one = try #require(table[column: "constant one mean"])
        for (index, s) in [0.0, 1, 3].enumerated() {
            #expect(leastSquares[index] < 1e-6, "least squares at shift \(s): \(leastSquares[index])")
            let expected = Double(d) * (1 + s * s)
            #expect(abs(zero[index] - expected) < 0.1 * expected, "zero at shift \(s): \(zero[index]) vs \(expected)")
            #expect(abs(one[index] - (expected + 1)) < 0.1 * expected, "constant one at shift \(s)")
        }
        #expect(throws: EvaluationError.self) { try ShiftEvaluation.run(family: family, predictors: [constant], settings: settings, position: 12) }
    }

    /// The run end to end on a small untrained model: shapes, ranges, and the correlations in
    /// the notes recomputed by NumPy from the table's own columns.
    @Test func signatureRunTablesAndCorrelationsAgreeWithNumpy() throws {
        var generator = RandomGenerator(seed: 8)
        let configuration = ModelConfiguration(embedding: 16, layers: 2, heads: 2, points: 8, inputDimension: 2)
        let model = try TransformerModel(configuration: configuration, generator: &generator, threads: 2)
        try model.setParameters(ModelReferenceTests.roughParameters(configuration, &generator))
        let family = try ShiftFamily(task: try LinearRegressionTask(dimension: 2), kind: .xScale, sizes: [1, 4])
        for similarity in SubspaceSimilarity.allCases {
            let settings = SignatureSettings(points: 6, referenceSamples: 12, samples: 9, seed: 1, similarity: similarity, lossFromPosition: 2, chunkSize: 5)
            let signature = try SpectralSignature.run(model: model, family: family, settings: settings)
            #expect(signature.layerCount == 3 && signature.reference.count == 3 && signature.reference.allSatisfy { $0.count == 2 })
            let spectra = try signature.spectraTable(layer: 2)
            #expect(spectra.rowCount == 12 && spectra[column: "reference"] != nil && spectra[column: "x scale 4"] != nil)
            let scores = signature.scoreTable()
            #expect(scores.rowCount == 2 && scores[column: "layer 0 mean"] != nil && scores[column: "loss median"] != nil)
            let points = signature.scoreLossTable()
            #expect(points.rowCount == 18 && points[column: "size"] == [Double](repeating: 1, count: 9) + [Double](repeating: 4, count: 9))
            for layer in 0..<3 {
                let values = try #require(points[column: "score layer \(layer)"])
                #expect(values.allSatisfy { $0 >= 0 && $0 <= 1 + 1e-12 })
            }
            let reference = try NumpyReference.run("""
            x = np.array(inputs["score"]); y = np.array(inputs["loss"])
            def ranks(v):
                return np.array([np.sum(v < t) + (np.sum(v == t) + 1) / 2 for t in v])
            print(json.dumps({"pearson": float(np.corrcoef(x, y)[0, 1]), "spearman": float(np.corrcoef(ranks(x), ranks(y))[0, 1])}))
            """, inputs: ["score": points[column: "score layer 2"] ?? [], "loss": points[column: "loss"] ?? []])
            let correlations = signature.correlations(layer: 2)
            #expect(abs((correlations.pearson ?? .nan) - ((reference["pearson"] as? Double) ?? .nan)) < 1e-12)
            #expect(abs((correlations.spearman ?? .nan) - ((reference["spearman"] as? Double) ?? .nan)) < 1e-12)
            #expect(points.notes["pearson layer 2"] == SpectralSignature.format(correlations.pearson))
            #expect(signature.correlationTable().rowCount == 3)
        }
        #expect(throws: AnalysisError.self) { try SpectralSignature.run(model: model, family: family, settings: SignatureSettings(points: 9)) }
        #expect(throws: AnalysisError.self) { try SpectralSignature.run(model: model, family: family, settings: SignatureSettings(points: 6, samples: 1)) }
        #expect(throws: AnalysisError.self) { try SpectralSignature.run(model: model, family: family, settings: SignatureSettings(points: 1, directions: 3)) }
    }
}

/// A source that is neither task kind.
struct FilePromptsStandIn: PromptSource {
    var inputDimension: Int { 1 }
    func fill(_ batch: inout PromptBatch, using generator: inout RandomGenerator) {}
}
