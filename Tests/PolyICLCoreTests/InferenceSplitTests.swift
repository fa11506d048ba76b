import Testing
@testable import PolyICLCore

/// `predict` splits a large batch into chunks run by several workers at once, each on its
/// own workspace, and runs the last block's MLP at the x rows only. Whatever the split,
/// every prediction must be the one the model gives that prompt alone on one thread, and
/// the one the full training pass computes, bit for bit, with and without adapters.
@Suite struct InferenceSplitTests {
    static let small = FineTuningTests.small

    /// The same rough model twice: one predicting on two threads, one on one.
    func twins(seed: UInt64) throws -> (split: TransformerModel, alone: TransformerModel) {
        var first = RandomGenerator(seed: seed), second = RandomGenerator(seed: seed)
        let split = try TransformerModel(configuration: Self.small, generator: &first, threads: 2)
        let alone = try TransformerModel(configuration: Self.small, generator: &second, threads: 1)
        let rough = ModelReferenceTests.roughParameters(Self.small, &first)
        try split.setParameters(rough)
        try alone.setParameters(rough)
        return (split, alone)
    }

    /// The same adapters (random values, so every path carries signal) on both twins.
    func attachSameAdapters(_ models: (split: TransformerModel, alone: TransformerModel), lora: LoRASettings?, pairs: Int) throws {
        var generator = RandomGenerator(seed: 31)
        let onSplit = try ModelAdapters(model: models.split, lora: lora, softPromptPairs: pairs, generator: &generator)
        let onAlone = try ModelAdapters(model: models.alone, lora: lora, softPromptPairs: pairs, generator: &generator)
        let values = (0..<onSplit.parameterCount).map { _ in Float(0.3 * generator.nextNormal()) }
        try onSplit.setParameters(values)
        try onAlone.setParameters(values)
        try models.split.attach(onSplit)
        try models.alone.attach(onAlone)
    }

    /// Predictions of the whole batch on two threads against each prompt predicted alone.
    func expectSplitMatchesOneByOne(_ models: (split: TransformerModel, alone: TransformerModel), points: Int, _ label: String) throws {
        var generator = RandomGenerator(seed: 77)
        // More prompts than two workspaces hold (128 sequences of 16 positions each), so each
        // worker runs several chunks, and an odd count, so the chunks are uneven.
        let count = 301
        let batch = ModelReferenceTests.randomBatch(count: count, points: points, inputDimension: 1, &generator)
        let together = try models.split.predict(batch)
        var mismatches = 0
        for prompt in 0..<count {
            let range = (prompt * points)..<((prompt + 1) * points)
            let one = PromptBatch(
                count: 1, points: points, inputDimension: 1, xs: Array(batch.xs[range]), ys: Array(batch.ys[range]))
            let alone = try models.alone.predict(one)
            if zip(alone, together[range]).contains(where: { $0.bitPattern != $1.bitPattern }) { mismatches += 1 }
        }
        #expect(mismatches == 0, "\(label): \(mismatches) of \(count) prompts differ")
        #expect(together.allSatisfy { $0.isFinite }, "\(label): finite predictions")
    }

    @Test func plainModel() throws {
        try expectSplitMatchesOneByOne(try twins(seed: 11), points: 8, "plain")
    }

    @Test func withLoRAOnEveryMatrix() throws {
        let models = try twins(seed: 12)
        try attachSameAdapters(models, lora: LoRASettings(rank: 3, alpha: 6, targets: Set(LoRATarget.allCases)), pairs: 0)
        try expectSplitMatchesOneByOne(models, points: 8, "LoRA")
    }

    @Test func withASoftPrompt() throws {
        let models = try twins(seed: 13)
        try attachSameAdapters(models, lora: nil, pairs: 3)
        try expectSplitMatchesOneByOne(models, points: 5, "soft prompt")
    }

    /// A loss that keeps the predictions the training pass hands it.
    final class RecordingLoss: Loss, @unchecked Sendable {
        var predictions: [Float] = []
        func evaluate(
            predictions: UnsafeBufferPointer<Float>, targets: UnsafeBufferPointer<Float>,
            count: Int, points: Int, gradient: UnsafeMutableBufferPointer<Float>
        ) -> Float {
            self.predictions = Array(predictions.prefix(count * points))
            return MeanSquaredError().evaluate(predictions: predictions, targets: targets, count: count, points: points, gradient: gradient)
        }
    }

    /// `trainingStep` runs every row of every block; `predict` skips the last block's y rows.
    func expectPredictMatchesTrainingPass(_ model: TransformerModel, points: Int, _ label: String) throws {
        var generator = RandomGenerator(seed: 78)
        let batch = ModelReferenceTests.randomBatch(count: 9, points: points, inputDimension: 1, &generator)
        let recorder = RecordingLoss()
        try model.trainingStep(batch, loss: recorder)
        let predicted = try model.predict(batch)
        #expect(recorder.predictions.count == predicted.count, "\(label): one prediction per x")
        #expect(zip(recorder.predictions, predicted).allSatisfy { $0.bitPattern == $1.bitPattern }, "\(label): same bits")
    }

    @Test func predictMatchesTheTrainingPass() throws {
        try expectPredictMatchesTrainingPass(try twins(seed: 21).split, points: 8, "plain")
        let lora = try twins(seed: 22)
        try attachSameAdapters(lora, lora: LoRASettings(rank: 2, alpha: 4, targets: Set(LoRATarget.allCases)), pairs: 0)
        try expectPredictMatchesTrainingPass(lora.split, points: 8, "LoRA on every matrix")
        let prompt = try twins(seed: 23)
        try attachSameAdapters(prompt, lora: nil, pairs: 2)
        try expectPredictMatchesTrainingPass(prompt.split, points: 6, "soft prompt")
    }
}
