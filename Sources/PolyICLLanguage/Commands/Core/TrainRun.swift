import Foundation
import PolyICLCore
import PolyICLRender

extension TrainCommand {
    /// Seconds between progress updates: at most five a second.
    static let progressInterval = 0.2

    @Sendable static func run(_ invocation: CommandInvocation) throws -> (any SessionObject)? {
        let a = invocation.arguments
        let (modelName, object) = try invocation.modelObject("model")
        let task = try invocation.taskObject("on")
        try invocation.requireMatchingInputs(task: task, model: (modelName, object), taskKey: "on")
        var settings = try settings(from: a, for: object.configuration)
        if !a.isGiven("lr") { settings.learningRate = Float(FineTuningDefaults.learningRate(for: object.model)) }
        let loss = try lossFunction(a, task: task)
        let batch = settings.batchSize
        try invocation.requireShape(of: task, count: batch, points: settings.curriculum.points(atStep: settings.steps - 1), key: "on")
        do { try settings.validate(for: object.configuration) } catch { throw invocation.failure(error) }

        // The same command after an interruption continues the same run: same optimiser
        // state, same stream of prompts, same schedule.
        let seed = UInt64(a.integer("seed") ?? 0)
        let key = "\(task.name)|\(task.task.definition)|\(settings)|\(seed)|\(settingsText(a))"
        let run: UnfinishedTraining
        let source = String(describing: task.task.source)
        if let unfinished = object.unfinished, unfinished.key == key {
            run = unfinished
        } else if let saved = object.savedTraining, saved.source == source, Trainer.continues(saved, with: settings) {
            // The checkpoint's run, asked again (perhaps for more steps): its optimiser state and
            // prompt stream continue where it was saved, so the result is what one run would give.
            do {
                run = UnfinishedTraining(trainer: try Trainer(resuming: saved, steps: settings.steps), generator: try saved.generator, key: key)
            } catch { throw invocation.failure(error) }
            invocation.sink.stream(.stdout, "continuing the run saved with `\(modelName)` at step \(saved.completedSteps + 1) of \(settings.steps) (its optimiser state and prompt stream)\n")
        } else {
            run = UnfinishedTraining(trainer: Trainer(settings: settings), generator: RandomGenerator(seed: seed), key: key)
        }
        object.unfinished = nil
        object.savedTraining = nil
        object.latestRun = (run, source)
        let firstStep = run.trainer.completedSteps

        let displayID = invocation.newDisplayID()
        invocation.sink.display(TrainingProgressView.starting(model: modelName, steps: settings.steps, firstStep: firstStep), displayID: displayID)
        let stop = PolyICLCore.CancellationFlag()
        if invocation.cancellation.isCancelled { stop.cancel() }
        var lastShown = -Double.infinity
        let summary: TrainingSummary
        do {
            summary = try run.trainer.train(model: object.model, source: task.task.source, generator: &run.generator, loss: loss, cancellation: stop,
                                            group: invocation.session.dataParallel) { progress in
                // The first step is always shown, then at most one update per interval.
                if progress.elapsed - lastShown >= progressInterval || progress.step == progress.totalSteps {
                    lastShown = progress.elapsed
                    invocation.sink.updateDisplay(displayID, TrainingProgressView.bundle(model: modelName, progress: progress, firstStep: firstStep))
                }
                // The language's flag is set by the interrupt; the core's is checked before
                // each step, so the step in flight always completes.
                if invocation.cancellation.isCancelled { stop.cancel() }
            }
        } catch {
            throw invocation.failure(error)
        }
        let record = TrainingRecord(task: task.task.definition, settings: settingsText(a), firstStep: firstStep,
                                    totalSteps: settings.steps, losses: summary.losses, cancelled: summary.cancelled)
        if !summary.losses.isEmpty { object.record(record) }
        invocation.sink.updateDisplay(displayID, summaryBundle(model: modelName, object: object, record: record, summary: summary))
        if let divergence = summary.divergence {
            // The optimiser's state went non-finite with the run: it cannot be continued.
            object.latestRun = nil
            let kept = divergence.step - 1
            throw CommandFailure("Diverged", "train \(divergence)",
                                 hint: "lower lr= (it was \(Value.number(Double(settings.learningRate)).compactDescription)) or add clip=1; `\(modelName)` keeps the weights of step \(kept)",
                                 at: invocation.arguments.range(of: "lr"))
        }
        if summary.cancelled {
            object.unfinished = run
            let done = summary.stepsCompleted
            throw CommandFailure("Interrupted", "train stopped at step \(done) of \(settings.steps): `\(modelName)` keeps the weights of step \(done)",
                                 hint: "run the same train command again to continue from step \(done + 1)")
        }
        return nil
    }

    /// The core's settings from the checked arguments.
    static func settings(from a: Arguments, for configuration: ModelConfiguration) throws -> TrainingSettings {
        let steps = a.integer("steps") ?? 1000
        let warmup = a.integer("warmup") ?? 0
        let schedule: LearningRateSchedule
        switch a.word("schedule") ?? "constant" {
        case "cosine":
            schedule = .warmupCosine(warmupSteps: warmup, minimumFactor: 0)
        case "linear":
            throw CommandFailure("InvalidValue", "schedule=linear is not available in this build's trainer",
                                 hint: "use schedule=constant or schedule=cosine", at: a.range(of: "schedule"))
        default:
            guard warmup == 0 else {
                throw CommandFailure("InvalidValue", "warmup=\(warmup) needs a schedule that warms up",
                                     hint: "use schedule=cosine warmup=\(warmup), or leave warmup out", at: a.range(of: "warmup"))
            }
            schedule = .constant
        }
        let curriculum: Curriculum
        if let range = a.integerRange("curriculum") {
            curriculum = Curriculum(start: range.lowerBound, increment: 2, interval: a.integer("every") ?? 2000, end: range.upperBound)
        } else {
            curriculum = .fixed(configuration.points)
        }
        let frozen = Set((a.list("freeze") ?? []).compactMap(\.wordValue))
        return TrainingSettings(
            steps: steps, batchSize: a.integer("batch") ?? 64, learningRate: Float(a.number("lr") ?? 1e-4),
            optimizer: (a.word("optimizer") ?? "adam") == "sgd" ? .sgd : .adam(AdamSettings()),
            schedule: schedule, gradientClip: a.number("clip").map(Float.init), curriculum: curriculum, frozenGroups: frozen)
    }

    /// The loss the arguments ask for. The hinge loss needs a clamped Chebyshev task: it
    /// reads "the target was clamped" from y = T, which only a clamped task gives.
    static func lossFunction(_ a: Arguments, task: (name: String, task: TaskObject)) throws -> any Loss {
        guard a.word("loss") == "hinge" else {
            for key in ["threshold", "weight"] where a.isGiven(key) {
                throw CommandFailure("InvalidValue", "\(key)= belongs to the hinge loss, and this train uses mse", hint: "add loss=hinge, or leave \(key) out", at: a.range(of: key))
            }
            return MeanSquaredError()
        }
        guard let clamp = (task.task.source as? ChebyshevTask)?.clampThreshold else {
            throw CommandFailure("InvalidValue", "loss=hinge needs a task whose targets are clamped, and `\(task.name)` is not",
                                 hint: "make one with `\(task.name)_aligned = task chebyshev degree=5 clamp=0.5`", at: a.range(of: "on"))
        }
        let threshold = a.number("threshold") ?? clamp
        guard abs(threshold - clamp) < 1e-12 else {
            throw CommandFailure("InvalidValue", "threshold=\(Value.number(threshold).compactDescription) differs from task `\(task.name)`'s clamp \(Value.number(clamp).compactDescription): the hinge applies where the target was clamped",
                                 hint: "use threshold=\(Value.number(clamp).compactDescription) or leave it out", at: a.range(of: "threshold"))
        }
        do { return try HingeAlignmentLoss(threshold: Float(threshold), weight: Float(a.number("weight") ?? 100)) } catch {
            throw CommandFailure("InvalidValue", "\(error)", at: a.range(of: "weight"))
        }
    }

    static func settingsText(_ a: Arguments) -> String {
        ["steps", "batch", "lr", "optimizer", "schedule", "warmup", "clip", "curriculum", "every", "seed", "freeze", "loss", "threshold", "weight"]
            .filter { a.isGiven($0) }.compactMap { key in a[key].map { "\(key)=\($0.compactDescription)" } }.joined(separator: " ")
    }

    static func summaryBundle(model: String, object: TransformerModelObject, record: TrainingRecord, summary: TrainingSummary) -> MIMEBundle {
        let steps = record.losses.count
        let rate = summary.elapsed > 0 ? Double(steps) / summary.elapsed : 0
        var line: String
        if let divergence = summary.divergence {
            line = "trained \(model): stopped at step \(divergence.step - 1) of \(record.totalSteps), \(divergence)"
        } else if summary.cancelled {
            line = "trained \(model): interrupted at step \(summary.stepsCompleted) of \(record.totalSteps)"
        } else {
            line = "trained \(model): \(record.totalSteps) steps"
        }
        line += " (\(steps) in this cell, \(TextFormat.duration(summary.elapsed)), \(TextFormat.number(rate, digits: 3)) steps/s)"
        if let first = record.losses.first, let last = record.losses.last {
            let tail = record.losses.suffix(max(1, steps / 20))
            let mean = tail.reduce(0.0) { $0 + Double($1) } / Double(tail.count)
            line += "; loss \(TextFormat.number(Double(first))) at its first step, \(TextFormat.number(Double(last))) at its last"
                + " (mean of the last \(tail.count): \(TextFormat.number(mean)))"
        }
        var html = "<div><div style=\"font-family:monospace\">" + XMLEscaping.escape(line) + "</div>"
        let losses = object.allLosses
        if losses.count >= 2 { html += TrainingFigures.lossChart(losses, title: "Training loss of \(model)").svg() }
        return MIMEBundle(plainText: line, html: html + "</div>")
    }
}
