import Foundation
import Testing
@testable import PolyICLCore

/// SVD, subspace scores, correlations and the residual-stream capture against NumPy.
@Suite struct SpectraTests {
    static func randomMatrix(rows: Int, columns: Int, seed: UInt64) -> [Double] {
        var generator = RandomGenerator(seed: seed)
        return (0..<(rows * columns)).map { _ in generator.nextNormal() }
    }

    /// NumPy's vectors flipped to our documented sign (largest-magnitude entry positive).
    static let signFix = """
    def fix(v):
        i = int(np.argmax(np.abs(v)))
        return v if v[i] >= 0 else -v

    """

    @Test func singularValuesAndVectorsEqualNumpy() throws {
        for (rows, columns, seed) in [(30, 20, 1 as UInt64), (12, 25, 2), (7, 7, 3)] {
            let matrix = Self.randomMatrix(rows: rows, columns: columns, seed: seed)
            let top = 4
            let system = try SingularValueDecomposition.decompose(matrix, rows: rows, columns: columns, top: top)
            let reference = try NumpyReference.run(Self.signFix + """
            m = np.array(inputs["m"]).reshape(inputs["rows"], inputs["columns"])
            u, s, vt = np.linalg.svd(m)
            print(json.dumps({"s": s.tolist(), "v": [fix(vt[i]).tolist() for i in range(inputs["top"])]}))
            """, inputs: ["m": matrix, "rows": rows, "columns": columns, "top": top])
            let values = NumpyReference.doubles(reference["s"])
            #expect(values.count == min(rows, columns))
            #expect(system.values.count == values.count)
            for (a, b) in zip(system.values, values) { #expect(abs(a - b) < 1e-10 * max(1, b), "\(rows)x\(columns): \(a) vs \(b)") }
            let vectors = NumpyReference.matrix(reference["v"])
            #expect(system.vectors.count == top)
            for (a, b) in zip(system.vectors, vectors) {
                #expect(a.count == columns)
                for (x, y) in zip(a, b) { #expect(abs(x - y) < 1e-9, "\(rows)x\(columns) vector entry \(x) vs \(y)") }
            }
        }
    }

    @Test func badMatricesAreRefusedWithAReason() throws {
        #expect(throws: AnalysisError.self) { try SingularValueDecomposition.decompose([1, 2, 3], rows: 2, columns: 2, top: 1) }
        #expect(throws: AnalysisError.self) { try SingularValueDecomposition.decompose([1, .nan, 3, 4], rows: 2, columns: 2, top: 1) }
        #expect(throws: AnalysisError.self) { try SingularValueDecomposition(rows: 0, columns: 3) }
    }

    /// Hand-computed: span{e1, e2} against span{(e1 + e3)/sqrt 2, e2}.
    @Test func principalAnglesOfAHandMadePair() throws {
        let r = 1 / 2.0.squareRoot()
        let a = [[1.0, 0, 0, 0], [0, 1.0, 0, 0]]
        let b = [[r, 0, r, 0], [0, -1.0, 0, 0]]
        let cosines = try SubspaceSimilarity.principalAngleCosines(a, b)
        #expect(abs(cosines[0] - 1) < 1e-12 && abs(cosines[1] - r) < 1e-12)
        #expect(abs(try SubspaceSimilarity.principalAngles.score(a, b) - (1 + r) / 2) < 1e-12)
        #expect(abs(try SubspaceSimilarity.meanAbsoluteCosine.score(a, b) - (r + 1) / 2) < 1e-12)
        // Swapping the order of b's directions changes the rank-by-rank score, not the angles.
        let swapped = [b[1], b[0]]
        #expect(abs(try SubspaceSimilarity.principalAngles.score(a, swapped) - (1 + r) / 2) < 1e-12)
        #expect(try SubspaceSimilarity.meanAbsoluteCosine.score(a, swapped) == 0)
        #expect(throws: AnalysisError.self) { try SubspaceSimilarity.principalAngles.score(a, [b[0]]) }
    }

    @Test func scoresEqualNumpyOnRandomSubspaces() throws {
        for (k, width, seed) in [(2, 10, 5 as UInt64), (3, 16, 6)] {
            let a = try SingularValueDecomposition.decompose(Self.randomMatrix(rows: 8, columns: width, seed: seed), rows: 8, columns: width, top: k).vectors
            let b = try SingularValueDecomposition.decompose(Self.randomMatrix(rows: 8, columns: width, seed: seed + 100), rows: 8, columns: width, top: k).vectors
            // scipy.linalg.subspace_angles's construction: orthonormal bases by QR, then the
            // singular values of Qa^T Qb (scipy is not in the venv).
            let reference = try NumpyReference.run("""
            a = np.array(inputs["a"]); b = np.array(inputs["b"])
            qa, _ = np.linalg.qr(a.T); qb, _ = np.linalg.qr(b.T)
            cosines = np.clip(np.linalg.svd(qa.T @ qb, compute_uv=False), 0, 1)
            cosine_score = float(np.mean(np.abs(np.sum(a * b, axis=1))))
            print(json.dumps({"cosines": cosines.tolist(), "angles": float(np.mean(cosines)), "cosine": cosine_score}))
            """, inputs: ["a": a, "b": b])
            let cosines = try SubspaceSimilarity.principalAngleCosines(a, b)
            for (x, y) in zip(cosines, NumpyReference.doubles(reference["cosines"])) { #expect(abs(x - y) < 1e-10) }
            #expect(abs(try SubspaceSimilarity.principalAngles.score(a, b) - ((reference["angles"] as? Double) ?? .nan)) < 1e-10)
            #expect(abs(try SubspaceSimilarity.meanAbsoluteCosine.score(a, b) - ((reference["cosine"] as? Double) ?? .nan)) < 1e-10)
        }
    }

    @Test func pearsonAndSpearmanWithTiesEqualNumpy() throws {
        #expect(Correlation.ranks([10, 20, 20, 30, 20]) == [1, 3, 3, 5, 3])
        var generator = RandomGenerator(seed: 11)
        // Rounded values: many ties in both samples.
        let x = (0..<200).map { _ in (generator.nextNormal() * 3).rounded() }
        let y = x.map { ($0 * $0 + generator.nextNormal() * 4).rounded() }
        let reference = try NumpyReference.run("""
        x = np.array(inputs["x"]); y = np.array(inputs["y"])
        def ranks(v):
            # Fractional ranking written without sorting: values below, plus the mean of the tied block.
            return np.array([np.sum(v < t) + (np.sum(v == t) + 1) / 2 for t in v])
        print(json.dumps({"pearson": float(np.corrcoef(x, y)[0, 1]), "spearman": float(np.corrcoef(ranks(x), ranks(y))[0, 1])}))
        """, inputs: ["x": x, "y": y])
        #expect(abs((Correlation.pearson(x, y) ?? .nan) - ((reference["pearson"] as? Double) ?? .nan)) < 1e-12)
        #expect(abs((Correlation.spearman(x, y) ?? .nan) - ((reference["spearman"] as? Double) ?? .nan)) < 1e-12)
        #expect(Correlation.pearson([1, 1, 1], [1, 2, 3]) == nil)
        #expect(Correlation.spearman([1, 2], [1]) == nil)
        #expect(abs((Correlation.spearman([1, 2, 3], [9, 4, 1]) ?? 0) + 1) < 1e-12)
    }

    /// The whole chain on a small model's real hidden states: per-prompt SVDs (raw and
    /// centred), both references and both scores, recomputed in NumPy from the hidden states.
    @Test func residualSpectraReferenceAndScoresEqualNumpy() throws {
        var generator = RandomGenerator(seed: 21)
        let configuration = ModelConfiguration(embedding: 16, layers: 2, heads: 2, points: 8, inputDimension: 2)
        let model = try TransformerModel(configuration: configuration, generator: &generator, threads: 2)
        try model.setParameters(ModelReferenceTests.roughParameters(configuration, &generator))
        var batch = PromptBatch(count: 5, points: 6, inputDimension: 2)
        try LinearRegressionTask(dimension: 2).fill(&batch, using: &generator)
        let states = try model.hiddenStates(batch).map { $0.map(Double.init) }
        for centring in HiddenStateCentring.allCases {
            var spectra = ResidualSpectra(layers: 2, points: 6, width: 16, settings: SpectrumSettings(topVectors: 3, centring: centring))
            // Two captures: appending must keep prompts in order.
            var first = batch, second = batch
            first.reshape(count: 3, points: 6); second.reshape(count: 2, points: 6)
            first.xs = Array(batch.xs[0..<36]); first.ys = Array(batch.ys[0..<18])
            second.xs = Array(batch.xs[36...]); second.ys = Array(batch.ys[18...])
            try spectra.capture(model: model, batch: first)
            try spectra.capture(model: model, batch: second)
            #expect(spectra.promptCount == 5 && spectra.rank == 12 && spectra.topVectors == 3)
            let stacked = try (0..<3).map { try SpectralSignature.referenceDirections(from: spectra, layer: $0, directions: 2, method: .stackedTopVectors) }
            let mean = try (0..<3).map { try SpectralSignature.referenceDirections(from: spectra, layer: $0, directions: 2, method: .meanHiddenState) }
            let cosineScores = try SpectralSignature.score(spectra, against: stacked, similarity: .meanAbsoluteCosine)
            let angleScores = try SpectralSignature.score(spectra, against: mean, similarity: .principalAngles)

            let reference = try NumpyReference.run(Self.signFix + """
            states = [np.array(s).reshape(5, 12, 16) for s in inputs["states"]]
            out = {"values": [], "vectors": [], "stacked": [], "mean": [], "cosine": [], "angles": []}
            for layer in states:
                if inputs["centred"]:
                    layer = layer - layer.mean(axis=1, keepdims=True)
                svds = [np.linalg.svd(m) for m in layer]
                out["values"].append([s.tolist() for _, s, _ in svds])
                out["vectors"].append([[fix(vt[i]).tolist() for i in range(3)] for _, _, vt in svds])
                stacked = np.vstack([vt[:2] for _, _, vt in svds])
                ref = np.linalg.svd(stacked)[2][:2]
                out["stacked"].append([fix(r).tolist() for r in ref])
                out["cosine"].append([float(np.mean(np.abs(np.sum(vt[:2] * ref, axis=1)))) for _, _, vt in svds])
                ref_mean = np.linalg.svd(layer.mean(axis=0))[2][:2]
                out["mean"].append([fix(r).tolist() for r in ref_mean])
                qr = np.linalg.qr(ref_mean.T)[0]
                out["angles"].append([float(np.mean(np.clip(np.linalg.svd(np.linalg.qr(vt[:2].T)[0].T @ qr, compute_uv=False), 0, 1))) for _, _, vt in svds])
            print(json.dumps(out))
            """, inputs: ["states": states, "centred": centring == .positions])

            let values = reference["values"] as? [Any] ?? [], vectors = reference["vectors"] as? [Any] ?? []
            let stackedReference = reference["stacked"] as? [Any] ?? [], meanReference = reference["mean"] as? [Any] ?? []
            let cosine = NumpyReference.matrix(reference["cosine"]), angles = NumpyReference.matrix(reference["angles"])
            #expect(values.count == 3 && cosine.count == 3 && angles.count == 3)
            for layer in 0..<min(3, values.count) {
                let layerValues = NumpyReference.matrix(values[layer])
                let layerVectors = (vectors[layer] as? [Any] ?? []).map { NumpyReference.matrix($0) }
                for prompt in 0..<5 {
                    for (a, b) in zip(spectra.values(layer: layer, prompt: prompt), layerValues[prompt]) {
                        #expect(abs(a - b) < 1e-9 * max(1, b), "\(centring) layer \(layer) prompt \(prompt): \(a) vs \(b)")
                    }
                    for (a, b) in zip(spectra.vectors(layer: layer, prompt: prompt), layerVectors[prompt]) {
                        for (x, y) in zip(a, b) { #expect(abs(x - y) < 1e-7, "\(centring) layer \(layer) prompt \(prompt) vector") }
                    }
                    #expect(abs(cosineScores[layer][prompt] - cosine[layer][prompt]) < 1e-9)
                    #expect(abs(angleScores[layer][prompt] - angles[layer][prompt]) < 1e-9)
                }
                for (ours, theirs) in [(stacked[layer], NumpyReference.matrix(stackedReference[layer])), (mean[layer], NumpyReference.matrix(meanReference[layer]))] {
                    for (a, b) in zip(ours, theirs) { for (x, y) in zip(a, b) { #expect(abs(x - y) < 1e-7, "\(centring) reference at layer \(layer)") } }
                }
            }
        }
    }
}
