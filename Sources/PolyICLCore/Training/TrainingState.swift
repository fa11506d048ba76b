/// Everything a training run needs to continue exactly where it stopped: its settings, the
/// steps done, the random generator's position (which fixes every later batch) and the
/// optimiser's state. A run stopped at step k and continued from its state ends bit for bit
/// where the run would have ended uninterrupted, given the same thread count (reductions are
/// split by threads, see ``ParallelExecutor``).
///
/// The schedule and the curriculum are functions of the step, so the step count places them.
public struct TrainingState: Sendable, Equatable {
    public var settings: TrainingSettings
    public var completedSteps: Int
    /// The generator's state words after the last completed step (``RandomGenerator/stateWords``).
    public var generatorWords: [UInt64]
    /// Adam's updates so far and its moments (empty for SGD, which keeps no state).
    public var optimizerStep: Int
    public var firstMoment: [Float]
    public var secondMoment: [Float]
    /// What the prompts come from, in the words of the program that started the run (the
    /// command line's task options, for example), so a resume can rebuild the same source.
    public var task: [String]
    /// The prompt source's description (`String(describing:)`), the same from every front
    /// end: a notebook continues a run only on the source it was trained on.
    public var source: String
    /// Worker threads of the run: continuing with another count changes summation order.
    public var threads: Int

    public init(settings: TrainingSettings, completedSteps: Int, generatorWords: [UInt64], optimizerStep: Int,
                firstMoment: [Float], secondMoment: [Float], task: [String], source: String, threads: Int) {
        self.settings = settings
        self.completedSteps = completedSteps
        self.generatorWords = generatorWords
        self.optimizerStep = optimizerStep
        self.firstMoment = firstMoment
        self.secondMoment = secondMoment
        self.task = task
        self.source = source
        self.threads = threads
    }

    /// The generator positioned after the last completed step.
    public var generator: RandomGenerator {
        get throws {
            guard let generator = RandomGenerator(stateWords: generatorWords) else {
                throw TrainingSettingsError(description: "the saved random generator state \(generatorWords) is not valid: expected four words, not all zero")
            }
            return generator
        }
    }
}

extension Trainer {
    /// A trainer that continues `state`'s run: the next step is `state.completedSteps + 1`,
    /// with the saved optimiser state. `steps` (at least the steps done) extends or shortens
    /// the run; the schedule then spans the new length.
    public convenience init(resuming state: TrainingState, steps: Int? = nil) throws {
        var settings = state.settings
        if let steps {
            guard steps >= state.completedSteps else {
                throw TrainingSettingsError(description: "steps=\(steps) is fewer than the \(state.completedSteps) the run has done: expected \(state.completedSteps) or more")
            }
            settings.steps = steps
        }
        guard state.completedSteps >= 0, state.completedSteps <= max(settings.steps, state.completedSteps) else {
            throw TrainingSettingsError(description: "the saved run has done \(state.completedSteps) steps: expected 0 or more")
        }
        self.init(settings: settings)
        resume(from: state)
    }

    /// The state after the last completed step, with the generator as it stands then
    /// (``TrainingProgress/generator`` during a run).
    public func state(generator: RandomGenerator, task: [String], source: String, threads: Int) -> TrainingState {
        let moments = optimizerMoments
        return TrainingState(
            settings: settings, completedSteps: completedSteps, generatorWords: generator.stateWords,
            optimizerStep: moments?.step ?? 0, firstMoment: moments?.first ?? [], secondMoment: moments?.second ?? [],
            task: task, source: source, threads: threads)
    }

    /// Whether `settings` ask for the run `state` saved, perhaps longer: every setting the
    /// same but the step count, which may only grow.
    public static func continues(_ state: TrainingState, with settings: TrainingSettings) -> Bool {
        var saved = state.settings
        saved.steps = settings.steps
        return saved == settings && settings.steps > state.completedSteps
    }
}
