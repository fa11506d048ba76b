/// A prompt source whose prompts depend on the training step: the trainer calls
/// ``fill(_:atStep:using:)`` instead of ``PromptSource/fill(_:using:)`` when a source
/// conforms. Evaluation and every other caller keep using `fill(_:using:)`, which should give
/// the source's final (fully grown) prompts.
///
/// Why a protocol rather than a step hook: the source stays a value that the trainer never
/// mutates, so the same step gives the same prompts whether a run is resumed or not.
public protocol StepAwarePromptSource: PromptSource {
    /// Fills `batch` (its `count` and `points` already set by the trainer's curriculum on
    /// points) with prompts for 0-based training `step`.
    func fill(_ batch: inout PromptBatch, atStep step: Int, using generator: inout RandomGenerator)
}

/// Garg et al.'s curriculum on dimensions for linear regression: at step t only the first
/// `dimensions.points(atStep: t)` coordinates of x are drawn (the trailing ones are zero, so
/// they do not enter y = w.x); the model always reads width d. Combine with the trainer's
/// curriculum on points (``TrainingSettings/curriculum``) as Garg et al. do.
///
/// Outside training (``fill(_:using:)``, e.g. evaluation) the prompts use `dimensions.end`
/// coordinates.
public struct DimensionCurriculumTask: StepAwarePromptSource, CustomStringConvertible, Equatable {
    public let task: LinearRegressionTask
    /// Active dimensions by step; `Curriculum.points(atStep:)` is read as "dimensions at step".
    public let dimensions: Curriculum

    public var inputDimension: Int { task.dimension }

    /// Throws a ``TaskError`` when the curriculum does not fit 1...task.dimension.
    public init(task: LinearRegressionTask, dimensions: Curriculum) throws {
        let d = task.dimension
        guard dimensions.start >= 1, dimensions.start <= d else {
            throw TaskError(setting: "dimension curriculum start", value: "\(dimensions.start)", expected: "1...\(d) (the task's dimension)")
        }
        guard dimensions.end >= dimensions.start, dimensions.end <= d else {
            throw TaskError(setting: "dimension curriculum end", value: "\(dimensions.end)", expected: "\(dimensions.start)...\(d)")
        }
        guard dimensions.increment >= 0 else {
            throw TaskError(setting: "dimension curriculum increment", value: "\(dimensions.increment)", expected: "0 or more")
        }
        guard dimensions.interval >= 1 else {
            throw TaskError(setting: "dimension curriculum interval", value: "\(dimensions.interval)", expected: "at least 1 step")
        }
        self.task = task
        self.dimensions = dimensions
    }

    /// Garg et al.'s schedule for `task`: 5 dimensions (fewer if d < 5), one more every 2000
    /// steps, up to d.
    public static func garg(_ task: LinearRegressionTask) throws -> DimensionCurriculumTask {
        let d = task.dimension
        return try DimensionCurriculumTask(task: task, dimensions: Curriculum(start: min(5, d), increment: 1, interval: 2000, end: d))
    }

    public var description: String {
        "\(task), dimensions \(dimensions.start) +\(dimensions.increment) every \(dimensions.interval) steps up to \(dimensions.end)"
    }

    /// The number of coordinates of x in use at 0-based `step`.
    public func activeDimensions(atStep step: Int) -> Int { dimensions.points(atStep: step) }

    public func fill(_ batch: inout PromptBatch, atStep step: Int, using generator: inout RandomGenerator) {
        task.fill(&batch, activeDimensions: activeDimensions(atStep: step), using: &generator)
    }

    public func fill(_ batch: inout PromptBatch, using generator: inout RandomGenerator) {
        task.fill(&batch, activeDimensions: dimensions.end, using: &generator)
    }
}

extension Curriculum {
    /// Garg et al.'s curriculum on points for d-dimensional linear regression: 11 points,
    /// 2 more every 2000 steps, up to 2d + 1 (41 for d = 20); capped at `maximum` (the
    /// model's points).
    public static func gargPoints(dimension: Int, maximum: Int) -> Curriculum {
        let end = max(1, min(maximum, 2 * dimension + 1))
        return Curriculum(start: min(11, end), increment: 2, interval: 2000, end: end)
    }
}
