/// One named predictor for ``Evaluation``: a model (a closure) or a ``Baseline``.
public struct EvaluationPredictor {
    enum Kind {
        case model((PromptBatch) throws -> [Float])
        case baseline(Baseline)
    }

    public var name: String
    let kind: Kind

    /// A trained model: `predict` returns [batch.count, batch.points] predictions, the
    /// prediction for point i made from points 0..<i.
    public static func model(named name: String, _ predict: @escaping (PromptBatch) throws -> [Float]) -> EvaluationPredictor {
        EvaluationPredictor(name: name, kind: .model(predict))
    }

    /// A baseline, named by its description unless a name is given.
    public static func baseline(_ baseline: Baseline, named name: String? = nil) -> EvaluationPredictor {
        EvaluationPredictor(name: name ?? baseline.description, kind: .baseline(baseline))
    }
}

/// How many prompts, of how many points, drawn how.
public struct EvaluationSettings: Sendable, Equatable {
    public var points: Int
    public var samples: Int
    public var seed: UInt64
    /// Prompts per chunk: memory and the granularity of progress and cancellation.
    public var chunkSize: Int
    /// Bootstrap resamples (the paper: 1000).
    public var resamples: Int
    /// Threads for the baselines' least squares (nil: all cores).
    public var threads: Int?
    /// Predictors the first predictor is compared with prompt by prompt: for each name R,
    /// the table gains the statistics of the per-prompt difference (first's error - R's error).
    /// Two predictors whose separate intervals overlap can still differ clearly, because
    /// both err on the same prompts; the paired interval shows it.
    public var pairedReferences: [String]
    /// What predictions are compared with: the prompt's y, or its noise-free value (which
    /// needs a ``NoiseFreeTargets`` source). Models and baselines still see the noisy context.
    public var target: EvaluationTarget

    public init(points: Int = 31, samples: Int = 1280, seed: UInt64 = 0, chunkSize: Int = 640, resamples: Int = 1000, threads: Int? = nil,
                target: EvaluationTarget = .observed, pairedReferences: [String] = []) {
        self.points = points
        self.samples = samples
        self.seed = seed
        self.chunkSize = chunkSize
        self.resamples = resamples
        self.threads = threads
        self.pairedReferences = pairedReferences
        self.target = target
    }
}

/// Where an evaluation is: called after each chunk.
public struct EvaluationProgress: Sendable, Equatable {
    public var promptsDone: Int
    public var promptsTotal: Int
}

/// Why an evaluation stopped without a result.
public enum EvaluationError: Error, CustomStringConvertible, Sendable, Equatable {
    case cancelled
    case invalidSetting(String)
    case wrongPredictionCount(predictor: String, found: Int, expected: Int)

    public var description: String {
        switch self {
        case .cancelled: return "evaluation cancelled"
        case .invalidSetting(let text): return text
        case .wrongPredictionCount(let predictor, let found, let expected):
            return "predictor '\(predictor)' returned \(found) predictions; expected \(expected) (prompts x points)"
        }
    }
}

/// Squared error at every context position, over many prompts, for several predictors.
public enum Evaluation {
    /// Separates the two predictor names of a paired-difference series: "model − ridge 0.2"
    /// (U+2212, a character no predictor name holds).
    public static let differenceSeparator = " \u{2212} "

    /// The series name of the paired difference `predictor` - `reference`.
    public static func differenceName(_ predictor: String, _ reference: String) -> String {
        predictor + differenceSeparator + reference
    }

    /// Runs every predictor on the same prompts and summarises the squared errors.
    ///
    /// Randomness: `RandomGenerator(seed: settings.seed)` is forked twice, first for the
    /// prompts (drawn chunk after chunk, so a task's prompts do not depend on the chunk
    /// size), then for the bootstrap. ``FilePrompts`` are not sampled: the first `samples`
    /// prompts of the file are used, in file order.
    ///
    /// The table has `position` (the number of context points before the query: 0, 1, ...)
    /// and, for each predictor P, the columns `P mean`, `P median`, `P lower`, `P upper`.
    /// With `settings.pairedReferences`, for each reference R the columns `F − R mean`,
    /// `median`, `lower`, `upper` follow (F the first predictor): statistics of the per-prompt
    /// difference of squared errors, bootstrapped with the same resamples (so every other
    /// column is the same with or without them).
    /// `progress` is called after every chunk; `isCancelled` is checked before every chunk
    /// and a true answer throws ``EvaluationError/cancelled``.
    public static func run(
        source: any PromptSource,
        predictors: [EvaluationPredictor],
        settings: EvaluationSettings,
        taskDescription: String? = nil,
        progress: ((EvaluationProgress) -> Void)? = nil,
        isCancelled: (() -> Bool)? = nil
    ) throws -> ResultTable {
        let points = settings.points, samples = settings.samples
        guard points >= 1 else { throw EvaluationError.invalidSetting("points=\(points) is not valid: expected at least 1") }
        guard samples >= 1 else { throw EvaluationError.invalidSetting("samples=\(samples) is not valid: expected at least 1") }
        // Per-prompt errors are kept for the bootstrap: 8 bytes per prompt, point and predictor.
        guard samples.multipliedReportingOverflow(by: points).partialValue <= 100_000_000, samples <= 100_000_000, points <= 100_000 else {
            throw EvaluationError.invalidSetting("samples=\(samples) x points=\(points) is too large: expected at most 100,000,000 prompt-points")
        }
        guard settings.chunkSize >= 1 else { throw EvaluationError.invalidSetting("chunk size \(settings.chunkSize) is not valid: expected at least 1") }
        guard settings.resamples >= 1 else { throw EvaluationError.invalidSetting("resamples=\(settings.resamples) is not valid: expected at least 1") }
        guard !predictors.isEmpty else { throw EvaluationError.invalidSetting("no predictors: name a model or a baseline to evaluate") }
        var seen = Set<String>()
        for predictor in predictors where !seen.insert(predictor.name).inserted {
            throw EvaluationError.invalidSetting("two predictors are named '\(predictor.name)': names must differ")
        }
        for reference in settings.pairedReferences {
            guard let index = predictors.firstIndex(where: { $0.name == reference }), index > 0 else {
                let others = predictors.dropFirst().map(\.name).joined(separator: ", ")
                throw EvaluationError.invalidSetting("cannot pair '\(predictors[0].name)' with '\(reference)': expected one of the other predictors (\(others.isEmpty ? "none" : others))")
            }
        }
        let filePrompts = source as? FilePrompts
        if let filePrompts {
            try filePrompts.check(count: samples, points: points)
        } else if let limited = source as? any LimitedPromptSource {
            try limited.check(count: min(samples, settings.chunkSize), points: points)
        }
        for predictor in predictors {
            if case .baseline(let baseline) = predictor.kind { try baseline.check(inputDimension: source.inputDimension) }
        }
        let noiseFreeSource = source as? any NoiseFreeTargets
        if settings.target == .noiseFree, noiseFreeSource == nil || filePrompts != nil {
            throw EvaluationError.invalidSetting("errors against noise-free targets need a task that knows them (a Chebyshev task); \(taskDescription ?? String(describing: source)) does not: measure against the observed y instead")
        }

        var root = RandomGenerator(seed: settings.seed)
        var promptGenerator = root.fork()
        var bootstrapGenerator = root.fork()
        var errors = [[Double]](repeating: [Double](repeating: 0, count: samples * points), count: predictors.count)
        var batch = PromptBatch(count: min(samples, settings.chunkSize), points: points, inputDimension: source.inputDimension)
        // The y each prediction is compared with: batch.ys, or the noise-free targets.
        var noiseFree: [Float] = []
        var done = 0
        while done < samples {
            if isCancelled?() == true { throw EvaluationError.cancelled }
            let count = min(settings.chunkSize, samples - done)
            batch.reshape(count: count, points: points)
            if let filePrompts {
                filePrompts.fill(&batch, startingAt: done)
            } else if settings.target == .noiseFree, let noiseFreeSource {
                noiseFreeSource.fill(&batch, noiseFreeTargets: &noiseFree, using: &promptGenerator)
            } else {
                source.fill(&batch, using: &promptGenerator)
            }
            let targets = settings.target == .noiseFree ? noiseFree : batch.ys
            for (p, predictor) in predictors.enumerated() {
                let offset = done * points
                switch predictor.kind {
                case .model(let predict):
                    let predictions = try predict(batch)
                    guard predictions.count == count * points else {
                        throw EvaluationError.wrongPredictionCount(predictor: predictor.name, found: predictions.count, expected: count * points)
                    }
                    for k in 0..<(count * points) {
                        let difference = Double(targets[k]) - Double(predictions[k])
                        errors[p][offset + k] = difference * difference
                    }
                case .baseline(let baseline):
                    let predictions = try baseline.predictions(for: batch, threads: settings.threads)
                    for k in 0..<(count * points) {
                        let difference = Double(targets[k]) - predictions[k]
                        errors[p][offset + k] = difference * difference
                    }
                }
            }
            done += count
            progress?(EvaluationProgress(promptsDone: done, promptsTotal: samples))
        }

        var seriesNames = predictors.map(\.name)
        for reference in settings.pairedReferences {
            let r = predictors.firstIndex { $0.name == reference } ?? 0
            errors.append(zip(errors[0], errors[r]).map { $0 - $1 })
            seriesNames.append(differenceName(predictors[0].name, reference))
        }
        let statistics = ErrorStatistics.summarize(errors, samples: samples, positions: points, resamples: settings.resamples, using: &bootstrapGenerator)
        var columns = [ResultTable.Column(name: "position", values: (0..<points).map(Double.init))]
        for (name, summary) in zip(seriesNames, statistics) {
            columns.append(.init(name: "\(name) mean", values: summary.mean))
            columns.append(.init(name: "\(name) median", values: summary.median))
            columns.append(.init(name: "\(name) lower", values: summary.lower))
            columns.append(.init(name: "\(name) upper", values: summary.upper))
        }
        var notes: [String: String] = [
            "task": taskDescription ?? String(describing: source),
            "samples": "\(samples)",
            "points": "\(points)",
            "seed": "\(settings.seed)",
            "bootstrap": "\(settings.resamples) resamples; lower/upper = 5th/95th percentile of resampled means",
            "position": "number of context points before the query (0 = no context)",
            "error": settings.target == .noiseFree ? "squared error (noise-free y - prediction)^2; the context keeps its noise" : "squared error (y - prediction)^2",
        ]
        if !settings.pairedReferences.isEmpty {
            notes["paired"] = "A \u{2212} B: per-prompt difference of squared errors, bootstrapped over the same resamples (below 0: A is better)"
        }
        return ResultTable(title: "squared error by position", columns: columns, notes: notes)
    }
}
