/// Everything a training run is told.
public struct TrainingSettings: Sendable, Hashable, Codable {
    public var steps: Int
    public var batchSize: Int
    public var learningRate: Float
    public var optimizer: OptimizerKind
    public var schedule: LearningRateSchedule
    /// Maximum global gradient norm; nil: no clipping.
    public var gradientClip: Float?
    public var curriculum: Curriculum
    /// Parameter groups (see `ModelConfiguration.parameterGroups`) that do not train.
    public var frozenGroups: Set<String>

    public init(
        steps: Int, batchSize: Int = 64, learningRate: Float = 1e-4,
        optimizer: OptimizerKind = .adam(AdamSettings()), schedule: LearningRateSchedule = .constant,
        gradientClip: Float? = nil, curriculum: Curriculum, frozenGroups: Set<String> = []
    ) {
        self.steps = steps
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.optimizer = optimizer
        self.schedule = schedule
        self.gradientClip = gradientClip
        self.curriculum = curriculum
        self.frozenGroups = frozenGroups
    }

    /// Throws a ``TrainingSettingsError`` naming the first setting out of range for `configuration`.
    public func validate(for configuration: ModelConfiguration) throws {
        func require(_ ok: Bool, _ message: String) throws { if !ok { throw TrainingSettingsError(description: message) } }
        try require(steps >= 0, "steps=\(steps): expected 0 or more")
        try require(batchSize > 0, "batch=\(batchSize): expected at least 1")
        try require(learningRate.isFinite && learningRate > 0, "lr=\(learningRate): expected a positive number")
        let c = curriculum
        try require(c.start >= 1 && c.start <= configuration.points,
                    "curriculum start=\(c.start): expected 1 to the model's \(configuration.points) points")
        try require(c.end >= c.start && c.end <= configuration.points,
                    "curriculum end=\(c.end): expected \(c.start) to the model's \(configuration.points) points")
        try require(c.increment >= 0, "curriculum increment=\(c.increment): expected 0 or more")
        try require(c.interval >= 1, "curriculum interval=\(c.interval): expected at least 1 step")
        if let clip = gradientClip { try require(clip.isFinite && clip > 0, "clip=\(clip): expected a positive norm") }
        if case .warmupCosine(let warmup, let minimum) = schedule {
            try require(warmup >= 0, "warm-up=\(warmup): expected 0 or more steps")
            try require(minimum >= 0 && minimum <= 1, "minimum lr factor=\(minimum): expected 0 to 1")
        }
        if case .adam(let adam) = optimizer {
            try require(adam.beta1 >= 0 && adam.beta1 < 1, "beta1=\(adam.beta1): expected 0 <= beta1 < 1")
            try require(adam.beta2 >= 0 && adam.beta2 < 1, "beta2=\(adam.beta2): expected 0 <= beta2 < 1")
            try require(adam.epsilon > 0, "eps=\(adam.epsilon): expected a positive number")
            try require(adam.weightDecay >= 0, "weight decay=\(adam.weightDecay): expected 0 or more")
        }
        let known = configuration.parameterGroups
        for group in frozenGroups.sorted() where !known.contains(group) {
            throw TrainingSettingsError(description: "unknown parameter group '\(group)' to freeze: expected one of \(known.joined(separator: ", "))")
        }
    }
}

public struct TrainingSettingsError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String
}

/// What the progress callback sees after each step.
public struct TrainingProgress: Sendable {
    /// Steps completed so far (1-based: the step just finished), of `totalSteps`.
    public var step: Int
    public var totalSteps: Int
    public var loss: Float
    public var points: Int
    public var learningRate: Float
    public var stepsPerSecond: Double
    /// Seconds since this `train` call started.
    public var elapsed: Double
    /// Estimated seconds to finish at the current rate.
    public var estimatedRemaining: Double
    /// The random generator after this step: with ``Trainer/state(generator:task:threads:)``,
    /// what a resumable checkpoint saves.
    public var generator: RandomGenerator
}

public struct TrainingSummary: Sendable {
    public var stepsCompleted: Int
    /// Loss of every step run by this call, in order.
    public var losses: [Float]
    public var cancelled: Bool
    public var elapsed: Double
    /// Set when training stopped because it diverged.
    public var divergence: TrainingDivergence?
}

/// Why a run stopped diverged: at `step` (1-based) the loss, or the weights the update would
/// have made, were not finite. The model keeps the weights of step `step - 1`.
public struct TrainingDivergence: Sendable, Equatable, CustomStringConvertible {
    public var step: Int
    /// The step's loss (NaN or infinite when the loss was not finite).
    public var loss: Float
    /// True when the loss was finite but the update made a weight infinite or NaN.
    public var inUpdate: Bool
    public var learningRate: Float

    public var description: String {
        let value = loss.isNaN ? "NaN" : "\(loss)"
        let what = inUpdate ? "the update made a weight non-finite (the loss was \(value))" : "the loss became \(value)"
        return "diverged at step \(step): \(what) at learning rate \(learningRate)"
    }
}

/// Runs training steps on a model: draws a fresh batch per step from the source (curriculum
/// on the points; a ``StepAwarePromptSource`` is also told the step, e.g. for a curriculum on
/// dimensions), forward + loss + backward, optional clipping, optimiser update.
///
/// The optimiser state and the step count live here, so calling `train` again after a
/// cancellation continues the same run where it stopped; ``TrainingState`` carries them
/// across processes.
public final class Trainer {
    public let settings: TrainingSettings
    public private(set) var completedSteps = 0
    private var optimizer: (any Optimizer)?
    /// A saved run's state, applied to the optimiser when `train` first sees the model.
    private var savedState: TrainingState?

    public init(settings: TrainingSettings) {
        self.settings = settings
    }

    func resume(from state: TrainingState) {
        completedSteps = state.completedSteps
        savedState = state
    }

    /// Adam's step count and moments, once it has been created (nil for SGD).
    var optimizerMoments: (step: Int, first: [Float], second: [Float])? {
        if let adam = optimizer as? AdamOptimizer {
            let moments = adam.moments
            return (adam.step, moments.first, moments.second)
        }
        if let saved = savedState, !saved.firstMoment.isEmpty {
            return (saved.optimizerStep, saved.firstMoment, saved.secondMoment)
        }
        return nil
    }

    /// Trains until `settings.steps` steps are complete or `cancellation` is set (checked
    /// after every step: the weights are those of the last completed step).
    ///
    /// With adapters attached (``TransformerModel/attach(_:)``) only the adapter parameters
    /// train, the whole base stays frozen and `frozenGroups` is not used.
    ///
    /// With a `group` of several processes, this process trains on its share of every batch
    /// and the gradients are summed across the group (see ``DataParallelGroup``); every
    /// process must call `train` with the same arguments.
    public func train(
        model: TransformerModel, source: some PromptSource, generator: inout RandomGenerator,
        loss: any Loss = MeanSquaredError(), cancellation: CancellationFlag? = nil,
        group: (any DataParallelGroup)? = nil,
        progress: ((TrainingProgress) -> Void)? = nil
    ) throws -> TrainingSummary {
        try settings.validate(for: model.configuration)
        guard source.inputDimension == model.configuration.inputDimension else {
            throw TrainingSettingsError(description: "the prompt source gives x of width \(source.inputDimension); the model reads width \(model.configuration.inputDimension)")
        }
        let adapters = model.adapters
        if adapters == nil { try model.setFrozenGroups(settings.frozenGroups) }
        let ranges = adapters.map { [0..<$0.parameterCount] } ?? model.trainableRanges
        let optimizer = try self.optimizer ?? makeOptimizer(model)
        self.optimizer = optimizer
        let group = group.flatMap { $0.size > 1 ? $0 : nil }
        if let group, group.size > settings.batchSize {
            throw TrainingSettingsError(description: "batch=\(settings.batchSize) cannot be shared by \(group.size) processes: expected a batch of at least \(group.size) prompts")
        }
        let share = group?.share(of: settings.batchSize) ?? 0..<settings.batchSize
        // Each share's mean-loss gradient, weighted by its share of the batch, sums to the batch's.
        let shareWeight = Float(share.count) / Float(settings.batchSize)
        let maximumPoints = (completedSteps..<max(completedSteps, settings.steps)).isEmpty
            ? settings.curriculum.points(atStep: completedSteps)
            : settings.curriculum.points(atStep: settings.steps - 1)
        if let adapters, adapters.promptPairs > 0, maximumPoints + adapters.promptPairs > model.configuration.points {
            throw TrainingSettingsError(description: "curriculum reaches \(maximumPoints) points, but with a soft prompt of \(adapters.promptPairs) pairs this model (\(model.configuration.points) points) fits at most \(model.configuration.points - adapters.promptPairs): lower the curriculum end or the prompt pairs")
        }
        model.reserve(batch: share.count, points: maximumPoints)

        var batch = PromptBatch(count: settings.batchSize, points: settings.curriculum.points(atStep: completedSteps),
                                inputDimension: source.inputDimension)
        var shareBatch = PromptBatch(count: share.count, points: batch.points, inputDimension: source.inputDimension)
        var losses: [Float] = []
        losses.reserveCapacity(max(0, settings.steps - completedSteps))
        let clock = ContinuousClock()
        let started = clock.now
        var cancelled = false
        let stepAware = source as? any StepAwarePromptSource
        var divergence: TrainingDivergence?
        // The weights before each update, restored if the update makes one non-finite.
        let backup = FloatBuffer(count: adapters?.parameterCount ?? model.parameterCount)
        // With a group, a stop is decided together after each step (see `sumAcross`), so every
        // process ends on the same step even when a signal reaches them at different moments.
        var groupStops = false
        while completedSteps < settings.steps {
            if group == nil ? cancellation?.isCancelled == true : groupStops { cancelled = true; break }
            let step = completedSteps
            let points = settings.curriculum.points(atStep: step)
            batch.reshape(count: settings.batchSize, points: points)
            if let stepAware {
                stepAware.fill(&batch, atStep: step, using: &generator)
            } else {
                source.fill(&batch, using: &generator)
            }
            var value: Float
            if let group {
                shareBatch.copyPrompts(share, of: batch)
                value = try model.trainingStep(shareBatch, loss: loss) * shareWeight
                groupStops = try sumAcross(group, model: model, weight: shareWeight, loss: &value,
                                           stopping: cancellation?.isCancelled == true)
            } else {
                value = try model.trainingStep(batch, loss: loss)
            }
            let rate = settings.schedule.rate(base: settings.learningRate, step: step, totalSteps: settings.steps)
            guard value.isFinite else {
                divergence = TrainingDivergence(step: step + 1, loss: value, inUpdate: false, learningRate: rate)
                break
            }
            // A finite loss can still come with non-finite gradients, or an update that
            // overflows: the weights are checked after it and put back if it failed, so the
            // model always holds finite weights (a checkpoint it could save and load).
            func update(_ parameters: UnsafeMutableBufferPointer<Float>, _ gradients: UnsafeMutableBufferPointer<Float>) -> Bool {
                guard let p = parameters.baseAddress, let g = gradients.baseAddress else { return true }
                backup.pointer.update(from: p, count: parameters.count)
                if let clip = settings.gradientClip { clipGradientNorm(g, ranges: ranges, maximum: clip) }
                optimizer.update(parameters: p, gradients: g, ranges: ranges, learningRate: rate)
                if allFinite(UnsafeBufferPointer(parameters)) { return true }
                p.update(from: backup.pointer, count: parameters.count)
                return false
            }
            let updated: Bool
            if let adapters {
                updated = adapters.withParameters { parameters in adapters.withGradients { update(parameters, $0) } }
            } else {
                updated = model.withParameters { parameters in model.withGradients { update(parameters, $0) } }
            }
            guard updated else {
                divergence = TrainingDivergence(step: step + 1, loss: value, inUpdate: true, learningRate: rate)
                break
            }
            completedSteps += 1
            losses.append(value)
            if let progress {
                let elapsed = seconds(clock.now - started)
                let perSecond = Double(losses.count) / max(elapsed, 1e-9)
                progress(TrainingProgress(
                    step: completedSteps, totalSteps: settings.steps, loss: value, points: points, learningRate: rate,
                    stepsPerSecond: perSecond, elapsed: elapsed,
                    estimatedRemaining: Double(settings.steps - completedSteps) / perSecond, generator: generator))
            }
        }
        return TrainingSummary(stepsCompleted: completedSteps, losses: losses, cancelled: cancelled,
                               elapsed: seconds(clock.now - started), divergence: divergence)
    }

    private func makeOptimizer(_ model: TransformerModel) throws -> any Optimizer {
        let count = model.adapters?.parameterCount ?? model.parameterCount
        switch settings.optimizer {
        case .adam(let adam):
            let optimizer = AdamOptimizer(parameterCount: count, settings: adam, executor: model.executor)
            if let saved = savedState, saved.optimizerStep > 0 {
                try optimizer.restore(step: saved.optimizerStep, first: saved.firstMoment, second: saved.secondMoment)
            }
            savedState = nil
            return optimizer
        case .sgd:
            savedState = nil
            return SGDOptimizer(executor: model.executor)
        }
    }

    /// Weights this share's gradients (of the adapters, if any) by `weight` and sums them, and
    /// the already weighted loss, across the group. Returns whether any process is stopping.
    private func sumAcross(_ group: any DataParallelGroup, model: TransformerModel, weight: Float,
                           loss: inout Float, stopping: Bool) throws -> Bool {
        func weightAndSum(_ gradients: UnsafeMutableBufferPointer<Float>) throws {
            for i in gradients.indices { gradients[i] *= weight }
            try group.sum(gradients)
        }
        if let adapters = model.adapters {
            try adapters.withGradients(weightAndSum)
        } else {
            try model.withGradients(weightAndSum)
        }
        var lossAndStops: [Float] = [loss, stopping ? 1 : 0]
        try lossAndStops.withUnsafeMutableBufferPointer { try group.sum($0) }
        loss = lossAndStops[0]
        return lossAndStops[1] > 0
    }
}

/// Whether every value is finite: x * 0 is 0 for a finite x and NaN otherwise, so one
/// vectorisable sum tells.
func allFinite(_ values: UnsafeBufferPointer<Float>) -> Bool {
    var sum: Float = 0
    for value in values { sum += value * 0 }
    return sum == 0
}

func seconds(_ duration: Duration) -> Double {
    let parts = duration.components
    return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
}
