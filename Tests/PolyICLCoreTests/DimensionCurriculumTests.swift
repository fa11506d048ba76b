import Foundation
import Testing
@testable import PolyICLCore

/// Records every step the trainer asks for, then delegates (a class so the non-mutating
/// `fill` can log; the lock makes the log safe to share).
final class StepLog: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(step: Int, points: Int)] = []
    func append(_ step: Int, _ points: Int) { lock.lock(); entries.append((step, points)); lock.unlock() }
    var steps: [Int] { lock.lock(); defer { lock.unlock() }; return entries.map(\.step) }
    var points: [Int] { lock.lock(); defer { lock.unlock() }; return entries.map(\.points) }
}

struct LoggingCurriculumTask: StepAwarePromptSource {
    let inner: DimensionCurriculumTask
    let log: StepLog
    var inputDimension: Int { inner.inputDimension }
    func fill(_ batch: inout PromptBatch, atStep step: Int, using generator: inout RandomGenerator) {
        log.append(step, batch.points)
        inner.fill(&batch, atStep: step, using: &generator)
    }
    func fill(_ batch: inout PromptBatch, using generator: inout RandomGenerator) { inner.fill(&batch, using: &generator) }
}

@Suite struct DimensionCurriculumTests {
    /// NumPy checks the prompts: trailing coordinates exactly zero, active ones not, and y
    /// exactly linear in the active coordinates (least-squares residual ~ 0).
    @Test func curriculumZeroesTheTrailingCoordinates() throws {
        let task = try LinearRegressionTask(dimension: 6)
        let curriculum = try DimensionCurriculumTask(task: task, dimensions: Curriculum(start: 2, increment: 1, interval: 3, end: 5))
        for (step, active) in [(0, 2), (2, 2), (3, 3), (8, 4), (9, 5), (500, 5)] {
            #expect(curriculum.activeDimensions(atStep: step) == active)
            var batch = PromptBatch(count: 4, points: 10, inputDimension: 6)
            var generator = RandomGenerator(seed: UInt64(step))
            curriculum.fill(&batch, atStep: step, using: &generator)
            let reference = try NumpyReference.run("""
            xs = np.array(inputs["xs"]).reshape(4, 10, 6); ys = np.array(inputs["ys"]).reshape(4, 10)
            a = inputs["active"]
            residuals = [float(np.max(np.abs(xs[p, :, :a] @ np.linalg.lstsq(xs[p, :, :a], ys[p], rcond=None)[0] - ys[p]))) for p in range(4)]
            print(json.dumps({"trailing_zero": bool(np.all(xs[:, :, a:] == 0)), "active_nonzero": bool(np.all(xs[:, :, :a] != 0)),
                              "residual": max(residuals)}))
            """, inputs: ["xs": batch.xs.map(Double.init), "ys": batch.ys.map(Double.init), "active": active])
            #expect(reference["trailing_zero"] as? Bool == true, "step \(step)")
            #expect(reference["active_nonzero"] as? Bool == true, "step \(step)")
            #expect(((reference["residual"] as? Double) ?? 1) < 1e-4, "step \(step): y is not w.x over the active coordinates")

            // Same draws as the full task: the active coordinates are the full prompts' ones.
            var full = PromptBatch(count: 4, points: 10, inputDimension: 6)
            var again = RandomGenerator(seed: UInt64(step))
            task.fill(&full, using: &again)
            for k in 0..<full.xs.count where k % 6 < active { #expect(full.xs[k] == batch.xs[k]) }
        }
    }

    @Test func trainerTellsTheSourceEveryStepAcrossResumes() throws {
        let configuration = ModelConfiguration(embedding: 16, layers: 1, heads: 2, points: 8, inputDimension: 4)
        var generator = RandomGenerator(seed: 3)
        let model = try TransformerModel(configuration: configuration, generator: &generator, threads: 1)
        let log = StepLog()
        let source = LoggingCurriculumTask(
            inner: try DimensionCurriculumTask(task: try LinearRegressionTask(dimension: 4), dimensions: Curriculum(start: 1, increment: 1, interval: 2, end: 4)),
            log: log)
        let trainer = Trainer(settings: TrainingSettings(steps: 6, batchSize: 2, learningRate: 1e-3,
                                                         curriculum: Curriculum(start: 3, increment: 1, interval: 2, end: 8)))
        let cancellation = CancellationFlag()
        let first = try trainer.train(model: model, source: source, generator: &generator, cancellation: cancellation) { progress in
            if progress.step == 4 { cancellation.cancel() }
        }
        #expect(first.stepsCompleted == 4 && first.cancelled)
        let second = try trainer.train(model: model, source: source, generator: &generator)
        #expect(second.stepsCompleted == 6 && second.losses.allSatisfy(\.isFinite))
        #expect(log.steps == [0, 1, 2, 3, 4, 5])
        #expect(log.points == [3, 3, 4, 4, 5, 5])
    }

    @Test func gargSchedulesAndBadCurriculaAreReported() throws {
        let garg = try DimensionCurriculumTask.garg(try LinearRegressionTask(dimension: 20))
        #expect(garg.activeDimensions(atStep: 0) == 5 && garg.activeDimensions(atStep: 1999) == 5)
        #expect(garg.activeDimensions(atStep: 2000) == 6 && garg.activeDimensions(atStep: 100_000) == 20)
        #expect(try DimensionCurriculumTask.garg(try LinearRegressionTask(dimension: 3)).activeDimensions(atStep: 0) == 3)
        let points = Curriculum.gargPoints(dimension: 20, maximum: 101)
        #expect(points.points(atStep: 0) == 11 && points.points(atStep: 2000) == 13 && points.points(atStep: 1_000_000) == 41)
        #expect(Curriculum.gargPoints(dimension: 20, maximum: 31).end == 31)
        let task = try LinearRegressionTask(dimension: 4)
        #expect(throws: TaskError.self) { try DimensionCurriculumTask(task: task, dimensions: Curriculum(start: 0, increment: 1, interval: 1, end: 4)) }
        #expect(throws: TaskError.self) { try DimensionCurriculumTask(task: task, dimensions: Curriculum(start: 2, increment: 1, interval: 1, end: 5)) }
        #expect(throws: TaskError.self) { try DimensionCurriculumTask(task: task, dimensions: Curriculum(start: 2, increment: 1, interval: 0, end: 4)) }
    }
}
