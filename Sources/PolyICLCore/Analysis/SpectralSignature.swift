/// How the reference directions of the signature are made from in-distribution prompts.
public enum SignatureReference: String, Sendable, Hashable, Codable, CaseIterable {
    /// Stack every reference prompt's top-k right singular vectors into a (prompts * k) x
    /// width matrix and take its top-k right singular vectors: the k directions closest (in
    /// the least-squares sense) to all the prompts' own top-k spans. Insensitive to the
    /// arbitrary sign of each prompt's vectors. The default.
    case stackedTopVectors = "stacked"
    /// The top-k right singular vectors of the mean over reference prompts of the
    /// hidden-state matrix (centred as the prompts are). Cheaper to explain, but prompts
    /// whose states differ in sign or order of directions can average out.
    case meanHiddenState = "mean-state"
}

/// Everything a signature analysis is told. Every choice of issue 6 is a parameter here.
public struct SignatureSettings: Sendable, Hashable, Codable {
    /// Points per prompt (the hidden-state matrices have 2 * points rows).
    public var points: Int
    /// In-distribution prompts (the family's identity size) that define the reference.
    public var referenceSamples: Int
    /// Prompts scored at every size (drawn independently of the reference prompts).
    public var samples: Int
    public var seed: UInt64
    /// k: the signature compares top-k directions (the paper: 2).
    public var directions: Int
    public var reference: SignatureReference
    public var similarity: SubspaceSimilarity
    public var centring: HiddenStateCentring
    /// A prompt's loss is its mean squared error over positions lossFromPosition..<points
    /// (0: every prediction, as the training loss).
    public var lossFromPosition: Int
    /// Prompts per forward pass (memory: hidden states of a chunk are held at once).
    public var chunkSize: Int

    public init(
        points: Int, referenceSamples: Int = 256, samples: Int = 128, seed: UInt64 = 0, directions: Int = 2,
        reference: SignatureReference = .stackedTopVectors, similarity: SubspaceSimilarity = .meanAbsoluteCosine,
        centring: HiddenStateCentring = .none, lossFromPosition: Int = 0, chunkSize: Int = 128
    ) {
        self.points = points
        self.referenceSamples = referenceSamples
        self.samples = samples
        self.seed = seed
        self.directions = directions
        self.reference = reference
        self.similarity = similarity
        self.centring = centring
        self.lossFromPosition = lossFromPosition
        self.chunkSize = chunkSize
    }

    /// Throws an ``AnalysisError`` naming the first setting out of range for `configuration`.
    public func validate(for configuration: ModelConfiguration) throws {
        func require(_ ok: Bool, _ message: String) throws { if !ok { throw AnalysisError(message) } }
        try require(points >= 1 && points <= configuration.points, "points=\(points): expected 1 to the model's \(configuration.points) points")
        let rank = min(2 * points, configuration.embedding)
        try require(directions >= 1 && directions <= rank,
                    "directions=\(directions): expected 1 to \(rank) (min(2 * points, width) singular vectors exist)")
        try require(referenceSamples >= 1, "reference samples=\(referenceSamples): expected at least 1")
        try require(samples >= 2, "samples=\(samples): expected at least 2 per size (correlations need pairs)")
        try require(lossFromPosition >= 0 && lossFromPosition < points, "loss from position \(lossFromPosition): expected 0 to \(points - 1)")
        try require(chunkSize >= 1, "chunk size \(chunkSize): expected at least 1")
    }
}

/// The spectral signature of issue 6 for one model and one ``ShiftFamily``.
///
/// Definitions (all documented choices are ``SignatureSettings`` parameters):
/// - every prompt's hidden state at layer l is a (2 * points) x width matrix (all x and y
///   positions; layer 0 the embedding, layer l the output of block l), optionally centred;
/// - its spectrum is its singular values; its signature directions its top-k right singular
///   vectors (directions in feature space);
/// - the reference directions at layer l come from `referenceSamples` in-distribution prompts
///   (``SignatureReference``);
/// - a prompt's score at layer l is the ``SubspaceSimilarity`` of its top-k vectors and the
///   reference, in [0, 1];
/// - correlations are over all scored prompts of all sizes together, score against loss.
public struct SpectralSignature: Sendable {
    public let family: ShiftFamily
    public let settings: SignatureSettings
    /// Layers + 1.
    public let layerCount: Int
    /// reference[layer][direction]: unit vectors of the model's width.
    public let reference: [[[Double]]]
    /// Mean singular values of the reference prompts, [layer][index].
    public let referenceSpectrum: [[Double]]
    /// Mean singular values of the scored prompts, [size][layer][index].
    public let spectra: [[[Double]]]
    /// scores[size][layer][prompt].
    public let scores: [[[Double]]]
    /// losses[size][prompt].
    public let losses: [[Double]]

    /// Draws the reference prompts and the prompts of every size, captures their spectra and
    /// scores them. Randomness: `RandomGenerator(seed:)` forked once for the reference
    /// prompts and once for the scored prompts; every size starts from the same copy of the
    /// latter (shifted sizes share the identity size's draws where the task allows).
    /// `progress(done, total)` is called after the reference and after each size;
    /// `isCancelled` is checked before every chunk and a true answer throws
    /// ``EvaluationError/cancelled``.
    public static func run(
        model: TransformerModel, family: ShiftFamily, settings: SignatureSettings,
        progress: ((Int, Int) -> Void)? = nil, isCancelled: (() -> Bool)? = nil
    ) throws -> SpectralSignature {
        let configuration = model.configuration
        try settings.validate(for: configuration)
        guard family.base.task.inputDimension == configuration.inputDimension else {
            throw AnalysisError("the family's prompts have x of width \(family.base.task.inputDimension); the model reads width \(configuration.inputDimension)")
        }
        let spectrumSettings = SpectrumSettings(topVectors: settings.directions, centring: settings.centring)
        var root = RandomGenerator(seed: settings.seed)
        var referenceGenerator = root.fork()
        let scoredGenerator = root.fork()
        let total = family.sizes.count + 1

        let inDistribution = try family.task(size: family.identitySize)
        let (referenceSpectra, _) = try capture(model: model, source: inDistribution, count: settings.referenceSamples,
                                                settings: settings, spectrum: spectrumSettings,
                                                generator: &referenceGenerator, isCancelled: isCancelled)
        var reference: [[[Double]]] = []
        for layer in 0..<referenceSpectra.layerCount {
            reference.append(try referenceDirections(from: referenceSpectra, layer: layer, directions: settings.directions, method: settings.reference))
        }
        progress?(1, total)

        var spectra: [[[Double]]] = [], scores: [[[Double]]] = [], losses: [[Double]] = []
        for (index, size) in family.sizes.enumerated() {
            var generator = scoredGenerator
            let (sizeSpectra, sizeLosses) = try capture(model: model, source: try family.task(size: size), count: settings.samples,
                                                        settings: settings, spectrum: spectrumSettings,
                                                        generator: &generator, isCancelled: isCancelled)
            spectra.append((0..<sizeSpectra.layerCount).map { sizeSpectra.meanValues(layer: $0) })
            scores.append(try score(sizeSpectra, against: reference, similarity: settings.similarity))
            losses.append(sizeLosses)
            progress?(index + 2, total)
        }
        return SpectralSignature(
            family: family, settings: settings, layerCount: configuration.layers + 1, reference: reference,
            referenceSpectrum: (0..<referenceSpectra.layerCount).map { referenceSpectra.meanValues(layer: $0) },
            spectra: spectra, scores: scores, losses: losses)
    }

    /// `count` prompts from `source` in chunks: their spectra and their losses.
    private static func capture(
        model: TransformerModel, source: any PromptSource, count: Int, settings: SignatureSettings, spectrum: SpectrumSettings,
        generator: inout RandomGenerator, isCancelled: (() -> Bool)?
    ) throws -> (ResidualSpectra, [Double]) {
        let configuration = model.configuration
        var spectra = ResidualSpectra(layers: configuration.layers, points: settings.points, width: configuration.embedding, settings: spectrum)
        var losses: [Double] = []
        losses.reserveCapacity(count)
        var batch = PromptBatch(count: min(count, settings.chunkSize), points: settings.points, inputDimension: source.inputDimension)
        var done = 0
        while done < count {
            if isCancelled?() == true { throw EvaluationError.cancelled }
            let chunk = min(settings.chunkSize, count - done)
            batch.reshape(count: chunk, points: settings.points)
            source.fill(&batch, using: &generator)
            try spectra.capture(model: model, batch: batch)
            let predictions = try model.predict(batch)
            let points = settings.points, first = settings.lossFromPosition
            for prompt in 0..<chunk {
                var sum = 0.0
                for i in first..<points {
                    let difference = Double(batch.ys[prompt * points + i]) - Double(predictions[prompt * points + i])
                    sum += difference * difference
                }
                losses.append(sum / Double(points - first))
            }
            done += chunk
        }
        return (spectra, losses)
    }

    /// The k reference directions at `layer` from the spectra of in-distribution prompts.
    public static func referenceDirections(
        from spectra: ResidualSpectra, layer: Int, directions k: Int, method: SignatureReference
    ) throws -> [[Double]] {
        guard layer >= 0, layer < spectra.layerCount else {
            throw AnalysisError("layer \(layer): expected 0 to \(spectra.layerCount - 1)")
        }
        guard spectra.promptCount >= 1 else { throw AnalysisError("no reference prompts: expected at least 1") }
        guard k >= 1, k <= spectra.topVectors else {
            throw AnalysisError("directions=\(k): the spectra keep \(spectra.topVectors) vectors per prompt; expected 1 to \(spectra.topVectors)")
        }
        let system: RightSingularSystem
        switch method {
        case .stackedTopVectors:
            var stacked: [Double] = []
            stacked.reserveCapacity(spectra.promptCount * k * spectra.width)
            for prompt in 0..<spectra.promptCount {
                for vector in spectra.vectors(layer: layer, prompt: prompt).prefix(k) { stacked += vector }
            }
            system = try SingularValueDecomposition.decompose(stacked, rows: spectra.promptCount * k, columns: spectra.width, top: k)
        case .meanHiddenState:
            let mean = spectra.stateSums[layer].map { $0 / Double(spectra.promptCount) }
            system = try SingularValueDecomposition.decompose(mean, rows: spectra.positions, columns: spectra.width, top: k)
        }
        guard system.vectors.count == k else {
            throw AnalysisError("the reference matrix at layer \(layer) has only \(system.vectors.count) singular vectors; \(k) are needed")
        }
        return system.vectors
    }

    /// scores[layer][prompt]: each prompt's top-k vectors (k = the reference's size) against
    /// the reference at that layer.
    public static func score(_ spectra: ResidualSpectra, against reference: [[[Double]]], similarity: SubspaceSimilarity) throws -> [[Double]] {
        guard reference.count == spectra.layerCount else {
            throw AnalysisError("the reference has \(reference.count) layers; the spectra have \(spectra.layerCount)")
        }
        var scores: [[Double]] = []
        for layer in 0..<spectra.layerCount {
            let k = reference[layer].count
            guard k <= spectra.topVectors else {
                throw AnalysisError("the reference has \(k) directions; the spectra keep \(spectra.topVectors) per prompt")
            }
            var layerScores: [Double] = []
            layerScores.reserveCapacity(spectra.promptCount)
            for prompt in 0..<spectra.promptCount {
                layerScores.append(try similarity.score(Array(spectra.vectors(layer: layer, prompt: prompt).prefix(k)), reference[layer]))
            }
            scores.append(layerScores)
        }
        return scores
    }

    // MARK: Results

    /// Pearson and Spearman correlation of score (at `layer`) against loss over all prompts
    /// of all sizes (nil where undefined, e.g. constant scores).
    public func correlations(layer: Int) -> (pearson: Double?, spearman: Double?) {
        guard layer >= 0, layer < layerCount else { return (nil, nil) }
        let x = scores.flatMap { $0[layer] }, y = losses.flatMap { $0 }
        return (Correlation.pearson(x, y), Correlation.spearman(x, y))
    }

    /// The column label of a size, e.g. "x shift 2".
    public func label(size: Double) -> String { "\(family.kind.label) \(ShiftFamily.format(size))" }

    /// Mean singular values at `layer` (0 = embedding) by index (1 = largest): the reference
    /// (in-distribution) prompts, then one column per size.
    public func spectraTable(layer: Int) throws -> ResultTable {
        guard layer >= 0, layer < layerCount else { throw AnalysisError("layer \(layer): expected 0 to \(layerCount - 1)") }
        let rank = referenceSpectrum[layer].count
        var columns = [ResultTable.Column(name: "index", values: (0..<rank).map { Double($0 + 1) }),
                       .init(name: "reference", values: referenceSpectrum[layer])]
        for (index, size) in family.sizes.enumerated() {
            columns.append(.init(name: label(size: size), values: spectra[index][layer]))
        }
        return ResultTable(title: "singular values at layer \(layer)", columns: columns, notes: notes(extra: [
            "values": "mean over prompts of the i-th singular value of the (2 * points) x width hidden-state matrix",
            "layer": "\(layer) (0 = embedding, l = output of block l)",
        ]))
    }

    /// Score by shift size (rows) and layer: `layer L mean`, `layer L lower`, `layer L upper`
    /// (25th and 75th percentiles over prompts), then the loss's mean and median per size.
    public func scoreTable() -> ResultTable {
        var columns = [ResultTable.Column(name: "size", values: family.sizes)]
        for layer in 0..<layerCount {
            let perSize = scores.map { $0[layer] }
            columns.append(.init(name: "layer \(layer) mean", values: perSize.map { $0.reduce(0, +) / Double(max(1, $0.count)) }))
            columns.append(.init(name: "layer \(layer) lower", values: perSize.map { Self.percentile($0, 25) }))
            columns.append(.init(name: "layer \(layer) upper", values: perSize.map { Self.percentile($0, 75) }))
        }
        columns.append(.init(name: "loss mean", values: losses.map { $0.reduce(0, +) / Double(max(1, $0.count)) }))
        columns.append(.init(name: "loss median", values: losses.map { Self.percentile($0, 50) }))
        return ResultTable(title: "signature score by \(family.kind.label) and layer", columns: columns, notes: notes(extra: [
            "lower/upper": "25th/75th percentile of the prompts' scores (linear interpolation)",
        ]))
    }

    /// One row per scored prompt: `size`, `loss`, `score layer 0` ... `score layer L`; the
    /// notes give Pearson and Spearman of score against loss per layer.
    public func scoreLossTable() -> ResultTable {
        var columns = [ResultTable.Column(name: "size", values: zip(family.sizes, losses).flatMap { size, sizeLosses in
            [Double](repeating: size, count: sizeLosses.count)
        })]
        columns.append(.init(name: "loss", values: losses.flatMap { $0 }))
        var extra: [String: String] = [:]
        for layer in 0..<layerCount {
            columns.append(.init(name: "score layer \(layer)", values: scores.flatMap { $0[layer] }))
            let (pearson, spearman) = correlations(layer: layer)
            extra["pearson layer \(layer)"] = Self.format(pearson)
            extra["spearman layer \(layer)"] = Self.format(spearman)
        }
        return ResultTable(title: "signature score against loss", columns: columns, notes: notes(extra: extra))
    }

    /// `layer`, `pearson`, `spearman` (NaN where undefined): score against loss.
    public func correlationTable() -> ResultTable {
        let pairs = (0..<layerCount).map { correlations(layer: $0) }
        return ResultTable(title: "correlation of signature score with loss", columns: [
            .init(name: "layer", values: (0..<layerCount).map(Double.init)),
            .init(name: "pearson", values: pairs.map { $0.pearson ?? .nan }),
            .init(name: "spearman", values: pairs.map { $0.spearman ?? .nan }),
        ], notes: notes(extra: [
            "correlation": "over all \(losses.reduce(0) { $0 + $1.count }) scored prompts of all sizes; Spearman with tied ranks averaged",
        ]))
    }

    private func notes(extra: [String: String]) -> [String: String] {
        var notes: [String: String] = [
            "family": family.description,
            "in distribution": "\(label(size: family.identitySize)) (the training distribution)",
            "points": "\(settings.points)",
            "samples": "\(settings.samples) per size; reference: \(settings.referenceSamples) in-distribution prompts",
            "seed": "\(settings.seed)",
            "hidden states": "(2 * points) x width per prompt and layer, all positions, \(settings.centring == .none ? "not centred" : "each feature centred over positions")",
            "reference": settings.reference == .stackedTopVectors
                ? "top-\(settings.directions) right singular vectors of the stacked top-\(settings.directions) vectors of the reference prompts"
                : "top-\(settings.directions) right singular vectors of the reference prompts' mean hidden-state matrix",
            "score": settings.similarity == .meanAbsoluteCosine
                ? "mean |cosine| between the prompt's i-th and the reference's i-th direction, i = 1...\(settings.directions)"
                : "mean cosine of the \(settings.directions) principal angles between the prompt's and the reference's spans",
            "loss": "the prompt's mean squared error over positions \(settings.lossFromPosition)...\(settings.points - 1)",
        ]
        notes.merge(extra) { _, new in new }
        return notes
    }

    /// The p-th percentile with linear interpolation between order statistics (NumPy's default).
    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let position = p / 100 * Double(sorted.count - 1)
        let low = Int(position.rounded(.down)), high = min(sorted.count - 1, low + 1)
        return sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
    }

    static func format(_ value: Double?) -> String {
        guard let value else { return "undefined" }
        return "\((value * 10_000).rounded() / 10_000)"
    }
}
