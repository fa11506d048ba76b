import Foundation
import Testing
import PolyICLCore
@testable import PolyICLLanguage

/// shift, spectra, signature and the dimension curriculum, through the interpreter on a
/// tiny model (16 wide, 2 blocks, 16 points) and 3-dimensional linear regression.
@Suite struct AnalysisCommandTests {
    static let setup = "lin = task linear dim=3\nm = model preset=tiny inputs=3 seed=1"

    func interpreter() -> Interpreter {
        let interpreter = Interpreter()
        #expect(interpreter.run(Self.setup).0 == .ok)
        return interpreter
    }

    @Test func shiftGivesErrorBySizeAndTheZeroBaselineMatchesItsExpectedValue() throws {
        let interpreter = interpreter()
        let (outcome, events) = interpreter.run("sx = shift m on=lin kind=xshift sizes=[0, 1, 2] points=8 samples=2000 bootstrap=20")
        #expect(outcome == .ok, "\(outcome)")
        #expect(events.contains { if case .display(_, let id) = $0 { return id != nil } else { return false } }, "shift shows progress")
        let result = try #require(interpreter.session["sx"] as? ResultObject)
        #expect(result.table[column: "size"] == [0, 1, 2])
        #expect(result.predictors == ["m", "least squares", "zero"])
        // Noise-free, 7 context points, 3 dimensions: least squares is exact at every shift.
        for value in try #require(result.table[column: "least squares mean"]) { #expect(value < 1e-6) }
        // Predicting 0: E[(w.x)^2] = sum_i E[w_i^2] E[x_i^2] = d (1 + s^2) for x ~ N(s, I), w ~ N(0, I).
        let zero = try #require(result.table[column: "zero mean"])
        for (size, value) in zip([0.0, 1, 2], zero) {
            let expected = 3 * (1 + size * size)
            #expect(abs(value - expected) < 0.15 * expected, "size \(size): \(value) against \(expected)")
        }
        let shown = result.representation()
        #expect(shown[MIMEBundle.html]?.contains("<svg") == true)
        #expect(shown.plainText.contains("size") && shown.plainText.contains("m mean"))
        // `plot` draws the result's own figure (error against size), not error by position.
        let plotted = interpreter.run("plot sx").1.compactMap(\.bundle).compactMap { $0["image/svg+xml"] }
        #expect(plotted.count == 1 && plotted[0].contains("x shift size"), "\(plotted.count) plots")
    }

    @Test func shiftOfTheWeightsScalesTheZeroBaselineBySquaredFactor() throws {
        let interpreter = interpreter()
        #expect(interpreter.run("sw = shift m on=lin kind=wscale sizes=[1, 3] points=6 samples=2000 bootstrap=0").0 == .ok)
        let result = try #require(interpreter.session["sw"] as? ResultObject)
        // w ~ N(0, c^2 I): E[(w.x)^2] = d c^2; no interval columns with bootstrap=0.
        let zero = try #require(result.table[column: "zero mean"])
        #expect(abs(zero[0] - 3) < 0.45 && abs(zero[1] - 27) < 4, "\(zero)")
        #expect(result.table[column: "zero lower"] == nil)
    }

    @Test func kindsThatDoNotFitTheTaskAndLayersPastTheModelAreRejectedBeforeRunning() {
        let interpreter = interpreter()
        let degree = interpreter.run("shift m on=lin kind=degree").0.error
        #expect(degree?.message.contains("kind=degree moves the degrees of Chebyshev polynomials") == true, "\(String(describing: degree))")
        #expect(interpreter.run("poly = task chebyshev degree=0..3\np = model preset=tiny").0 == .ok)
        #expect(interpreter.run("shift p on=poly kind=wshift").0.error?.message.contains("kind=wshift moves the weights") == true)
        let layer = interpreter.run("spectra m on=lin layer=3").0.error
        #expect(layer?.message.contains("layer=3 is past the last block of model `m` (2 blocks)") == true, "\(String(describing: layer))")
        #expect(interpreter.run("shift m on=lin points=17").0.error?.name == "OutOfRange")
        #expect(interpreter.run("shift m on=poly").0.error?.message.contains("width") == true)
        let scale = interpreter.run("shift m on=lin kind=xscale sizes=[1, -2] samples=4").0.error
        #expect(scale?.name == "InvalidValue", "\(String(describing: scale))")
    }

    @Test func spectraGiveOneMeanSingularValueColumnPerSizeAtTheChosenLayer() throws {
        let interpreter = interpreter()
        #expect(interpreter.run("sp = spectra m on=lin sizes=[0, 4] points=4 samples=8 references=16 layer=1").0 == .ok)
        let result = try #require(interpreter.session["sp"] as? ResultObject)
        #expect(result.table.columns.map(\.name) == ["index", "reference", "x shift 0", "x shift 4"])
        // 8 positions x 16 features: 8 singular values, largest first, none negative.
        let reference = try #require(result.table[column: "reference"])
        #expect(result.table[column: "index"] == (1...8).map(Double.init))
        #expect(zip(reference, reference.dropFirst()).allSatisfy { $0 >= $1 } && reference.allSatisfy { $0 >= 0 })
        // One panel per layer (embedding, block 1, block 2).
        let svg = try #require(result.figure)
        for title in ["embedding", "layer 1", "layer 2"] { #expect(svg.contains(title)) }
    }

    @Test func spectraOfTheEmbeddingMatchNumPyOnTheSameHiddenStates() throws {
        // The embedding layer of one prompt set, recomputed independently: hidden states from
        // the core, singular values from numpy.linalg.svd.
        let interpreter = interpreter()
        #expect(interpreter.run("sp = spectra m on=lin sizes=[2] points=4 samples=4 references=4 layer=0 seed=5").0 == .ok)
        let result = try #require(interpreter.session["sp"] as? ResultObject)
        let model = try #require(interpreter.session["m"] as? TransformerModelObject).model
        // The scored prompts: the second fork of the seed's generator, x shifted by 2.
        var root = RandomGenerator(seed: 5)
        _ = root.fork()
        var generator = root.fork()
        let task = try LinearRegressionTask(dimension: 3, xShift: 2)
        var batch = PromptBatch(count: 4, points: 4, inputDimension: 3)
        task.fill(&batch, using: &generator)
        let states = try model.hiddenStates(batch)[0].map { String(Double($0)) }.joined(separator: ",")
        let script = """
        import sys, numpy as np
        h = np.array([float(v) for v in sys.argv[1].split(',')]).reshape(4, 8, 16)
        print(','.join(repr(float(v)) for v in np.linalg.svd(h, compute_uv=False).mean(axis=0)))
        """
        let output = try runPython(script, [states]).trimmingCharacters(in: .whitespacesAndNewlines)
        let numpy = output.split(separator: ",").compactMap { Double($0) }
        let ours = try #require(result.table[column: "x shift 2"])
        #expect(numpy.count == 8, "numpy printed \(output)")
        for (a, b) in zip(ours, numpy) { #expect(abs(a - b) <= 1e-4 * max(1, abs(b)), "\(ours) against \(numpy)") }
    }

    @Test func signatureScoresLieInTheUnitIntervalAndTheCorrelationsArePrinted() throws {
        let interpreter = interpreter()
        let (outcome, events) = interpreter.run("sig = signature m on=lin sizes=[0, 8] points=4 samples=16 references=32 layer=0")
        #expect(outcome == .ok, "\(outcome)")
        let correlation = events.compactMap(\.bundle).first { $0.plainText.contains("pearson") && $0.plainText.contains("spearman") }
        #expect(correlation != nil, "the correlation table is shown: \(events)")
        let result = try #require(interpreter.session["sig"] as? ResultObject)
        #expect(result.table[column: "size"] == [0, 8])
        for layer in 0...2 {
            for value in try #require(result.table[column: "layer \(layer) mean"]) { #expect(value >= 0 && value <= 1) }
            #expect(result.table.notes["correlation layer \(layer)"]?.hasPrefix("Pearson ") == true)
        }
        // At the embedding x shifted by 8 in every coordinate dominates the x tokens: their
        // top direction is read_in's image of (1, 1, 1), not the in-distribution one.
        let embedding = try #require(result.table[column: "layer 0 mean"])
        #expect(embedding[0] > embedding[1], "\(embedding)")
        let svg = try #require(result.figure)
        #expect(svg.contains("Pearson r = ") && svg.contains("Spearman ρ = "))
        #expect(interpreter.run("sig2 = signature m on=lin sizes=[0, 1] points=4 samples=4 references=4 similarity=angles reference=meanstate centre=true").0 == .ok)
        #expect(interpreter.run("signature m on=lin points=4 directions=9").0.error?.message.contains("directions=9") == true)
    }

    @Test func theDimensionCurriculumTrainsAndEvaluatesOnAllDimensions() throws {
        let interpreter = Interpreter()
        #expect(interpreter.run("g = task linear dim=3 dims=1..3 every=2\nm = model preset=tiny inputs=3").0 == .ok)
        let task = try #require(interpreter.session["g"] as? TaskObject)
        let curriculum = try #require(task.source as? DimensionCurriculumTask)
        #expect(curriculum.activeDimensions(atStep: 0) == 1 && curriculum.activeDimensions(atStep: 4) == 3)
        #expect(interpreter.run("train m on=g steps=3 batch=4").0 == .ok)
        #expect(interpreter.run("e = eval m on=g points=8 samples=16 bootstrap=10 baselines=[lstsq]").0 == .ok)
        #expect(interpreter.run("s = shift m on=g sizes=[0, 1] points=8 samples=8 bootstrap=0").0 == .ok)
        let error = interpreter.run("h = task linear dim=3 dims=2..5").0.error
        #expect(error?.message.contains("dims=2..5 grows past dim=3") == true, "\(String(describing: error))")
    }
}
