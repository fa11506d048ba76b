import Testing
import PolyICLCore

/// Random lines y = a x + b, a, b ~ N(0, 1), x ~ U(-1, 1): a task simple enough to learn in
/// a few hundred steps, written here so these tests do not depend on the task code.
struct RandomLines: PromptSource {
    var inputDimension: Int { 1 }
    func fill(_ batch: inout PromptBatch, using generator: inout RandomGenerator) {
        for s in 0..<batch.count {
            let a = Float(generator.nextNormal()), b = Float(generator.nextNormal())
            for i in 0..<batch.points {
                let x = Float(generator.nextUniform(-1, 1))
                batch.xs[s * batch.points + i] = x
                batch.ys[s * batch.points + i] = a * x + b
            }
        }
    }
}

@Suite struct TrainingTests {
    static let small = ModelConfiguration(embedding: 16, layers: 2, heads: 2, points: 8)

    func makeModel(seed: UInt64 = 7, _ configuration: ModelConfiguration = small) throws -> TransformerModel {
        var generator = RandomGenerator(seed: seed)
        return try TransformerModel(configuration: configuration, generator: &generator, threads: 2)
    }

    @Test func wholeModelGradientMatchesFiniteDifferences() throws {
        let model = try makeModel()
        var generator = RandomGenerator(seed: 3)
        try model.setParameters(ModelReferenceTests.roughParameters(model.configuration, &generator))
        let batch = ModelReferenceTests.randomBatch(count: 2, points: 5, inputDimension: 1, &generator)
        try model.trainingStep(batch, loss: MeanSquaredError())
        let analytic = model.withGradients { Array($0) }
        let start = model.parameterValues
        // A few entries of every tensor (wpe: rows of the 10 positions in use).
        var indices: [Int] = []
        for spec in model.configuration.parameterLayout {
            let usable = spec.name.hasSuffix("wpe.weight") ? 10 * model.configuration.embedding : spec.count
            indices += [0, usable / 3, usable - 1].map { spec.offset + $0 }
        }
        let numeric = finiteDifferenceGradient(of: { values in
            (try? model.setParameters(values)).map { _ in
                let predictions = (try? model.predict(batch)) ?? []
                var sum: Double = 0
                for i in predictions.indices { let d = Double(predictions[i] - batch.ys[i]); sum += d * d }
                return Float(sum / Double(predictions.count))
            } ?? .nan
        }, at: start, indices: indices, step: 3e-3)
        expectGradientsClose(indices.map { analytic[$0] }, numeric, absolute: 3e-3, relative: 3e-2, "model")
    }

    @Test func sameSeedGivesTheSameLossCurveBitForBit() throws {
        func run() throws -> [Float] {
            let model = try makeModel(seed: 42)
            var generator = RandomGenerator(seed: 9)
            let trainer = Trainer(settings: TrainingSettings(
                steps: 12, batchSize: 8, learningRate: 1e-3,
                curriculum: Curriculum(start: 3, increment: 2, interval: 4, end: 8)))
            return try trainer.train(model: model, source: RandomLines(), generator: &generator).losses
        }
        let first = try run(), second = try run()
        #expect(first.count == 12)
        #expect(first.map(\.bitPattern) == second.map(\.bitPattern))
        #expect(Set(first).count > 1)
    }

    @Test func cancellingReturnsAfterTheCurrentStepWithItsWeights() throws {
        let model = try makeModel()
        let reference = try makeModel()
        let settings = TrainingSettings(steps: 20, batchSize: 4, learningRate: 1e-3, curriculum: .fixed(6))
        let flag = CancellationFlag()
        var generator = RandomGenerator(seed: 5)
        var seenSteps: [Int] = []
        let summary = try Trainer(settings: settings).train(
            model: model, source: RandomLines(), generator: &generator, cancellation: flag
        ) { progress in
            seenSteps.append(progress.step)
            if progress.step == 3 { flag.cancel() }
        }
        #expect(summary.cancelled)
        #expect(summary.stepsCompleted == 3)
        #expect(seenSteps == [1, 2, 3])
        // A run told to do exactly 3 steps from the same start ends with the same weights.
        var referenceGenerator = RandomGenerator(seed: 5)
        var three = settings
        three.steps = 3
        _ = try Trainer(settings: three).train(model: reference, source: RandomLines(), generator: &referenceGenerator)
        #expect(model.parameterValues == reference.parameterValues)
    }

    /// A run whose loss or update goes non-finite stops at that step, naming it, with the
    /// weights of the step before: the same weights as a run told to stop there.
    @Test func divergenceStopsWithTheLastFiniteWeights() throws {
        for optimizer in [OptimizerKind.adam(AdamSettings()), .sgd] {
            let model = try makeModel()
            let settings = TrainingSettings(steps: 50, batchSize: 4, learningRate: optimizer == .sgd ? 1e30 : 1e10,
                                            optimizer: optimizer, curriculum: .fixed(6))
            var generator = RandomGenerator(seed: 5)
            let summary = try Trainer(settings: settings).train(model: model, source: RandomLines(), generator: &generator)
            let divergence = try #require(summary.divergence, "\(optimizer)")
            #expect(summary.stepsCompleted == divergence.step - 1)
            let lossesFinite = summary.losses.allSatisfy { $0.isFinite }
            let weightsFinite = model.parameterValues.allSatisfy { $0.isFinite }
            #expect(summary.losses.count == divergence.step - 1 && lossesFinite)
            #expect(weightsFinite)
            #expect(divergence.description.contains("diverged at step \(divergence.step)"))

            let reference = try makeModel()
            var referenceGenerator = RandomGenerator(seed: 5)
            var shorter = settings
            shorter.steps = divergence.step - 1
            _ = try Trainer(settings: shorter).train(model: reference, source: RandomLines(), generator: &referenceGenerator)
            #expect(model.parameterValues == reference.parameterValues, "\(optimizer)")
        }
    }

    @Test func frozenGroupsStayUnchangedAndGetNoGradient() throws {
        let model = try makeModel()
        let before = model.parameterValues
        let frozen: Set<String> = ["read_in", "h.0", "ln_f"]
        let settings = TrainingSettings(steps: 5, batchSize: 4, learningRate: 1e-2,
                                        optimizer: .adam(AdamSettings(weightDecay: 0.1)), curriculum: .fixed(6),
                                        frozenGroups: frozen)
        var generator = RandomGenerator(seed: 1)
        _ = try Trainer(settings: settings).train(model: model, source: RandomLines(), generator: &generator)
        let after = model.parameterValues
        let gradients = model.withGradients { Array($0) }
        for spec in model.configuration.parameterLayout {
            let range = spec.offset..<(spec.offset + spec.count)
            if frozen.contains(spec.group) {
                #expect(Array(after[range]) == Array(before[range]), "\(spec.name) changed while frozen")
                #expect(gradients[range].allSatisfy { $0 == 0 }, "\(spec.name) got a gradient while frozen")
            } else if spec.name.hasSuffix("weight") {
                #expect(Array(after[range]) != Array(before[range]), "\(spec.name) did not train")
            }
        }
    }

    @Test func frozenGroupsDoNotChangeTheOtherGradients() throws {
        // Freezing is bookkeeping only: the trainable gradients are the same bits as without it.
        let free = try makeModel(), partly = try makeModel()
        try partly.setFrozenGroups(["wpe", "h.1", "read_out"])
        var generator = RandomGenerator(seed: 2)
        let batch = ModelReferenceTests.randomBatch(count: 3, points: 7, inputDimension: 1, &generator)
        try free.trainingStep(batch, loss: MeanSquaredError())
        try partly.trainingStep(batch, loss: MeanSquaredError())
        let all = free.withGradients { Array($0) }, some = partly.withGradients { Array($0) }
        for range in partly.trainableRanges { #expect(Array(all[range]) == Array(some[range])) }
    }

    @Test func unknownGroupsAndBadBatchesAreRejected() throws {
        let model = try makeModel()
        #expect(throws: ModelInputError.self) { try model.setFrozenGroups(["h.9"]) }
        let tooLong = PromptBatch(count: 1, points: 9)
        #expect(throws: ModelInputError.self) { try model.predict(tooLong) }
        let wide = PromptBatch(count: 1, points: 3, inputDimension: 2)
        #expect(throws: ModelInputError.self) { try model.predict(wide) }
        let settings = TrainingSettings(steps: 1, curriculum: Curriculum(start: 4, increment: 1, interval: 1, end: 20))
        var generator = RandomGenerator(seed: 1)
        #expect(throws: TrainingSettingsError.self) {
            try Trainer(settings: settings).train(model: model, source: RandomLines(), generator: &generator)
        }
    }

    @Test func largeBatchesArePredictedInChunksLikeSinglePrompts() throws {
        // 2,500 prompts of 8 points exceed one inference pass (16,384 rows): three chunks.
        let model = try makeModel()
        var generator = RandomGenerator(seed: 12)
        let batch = ModelReferenceTests.randomBatch(count: 2500, points: 8, inputDimension: 1, &generator)
        let all = try model.predict(batch)
        for s in [0, 1, 1023, 1024, 2047, 2048, 2499] {
            let one = PromptBatch(count: 1, points: 8, inputDimension: 1,
                                  xs: Array(batch.xs[(s * 8)..<(s * 8 + 8)]), ys: Array(batch.ys[(s * 8)..<(s * 8 + 8)]))
            let single = try model.predict(one)
            for i in 0..<8 { #expect(abs(single[i] - all[s * 8 + i]) <= 1e-5, "prompt \(s), point \(i)") }
        }
    }

    @Test func hiddenStatesAreTheResidualStream() throws {
        let model = try makeModel()
        var generator = RandomGenerator(seed: 4)
        let batch = ModelReferenceTests.randomBatch(count: 2, points: 3, inputDimension: 1, &generator)
        let states = try model.hiddenStates(batch)
        let C = model.configuration.embedding
        #expect(states.count == model.configuration.layers + 1)
        #expect(states.allSatisfy { $0.count == 2 * 6 * C })
        // The embedding by hand: read_in(y) + wpe at sequence 1, position 3 (a y token).
        let p = model.parameterValues
        let layout = Dictionary(uniqueKeysWithValues: model.configuration.parameterLayout.map { ($0.name, $0.offset) })
        let w = layout["_read_in.weight"]!, b = layout["_read_in.bias"]!, pe = layout["_backbone.wpe.weight"]!
        for j in 0..<C {
            let expected = p[w + j] * batch.ys[1 * 3 + 1] + p[b + j] + p[pe + 3 * C + j]
            #expect(abs(states[0][(1 * 6 + 3) * C + j] - expected) < 1e-6)
        }
        #expect(states[1] != states[0])
    }

    /// Unoptimised Swift is about 30 times slower here (minutes instead of seconds), so this
    /// test runs in release builds, which is how scripts/test.sh and CI run the suite.
    @Test(.enabled(if: isOptimizedBuild, "runs in release builds only (swift test -c release)"))
    func smallModelLearnsLinesInContext() throws {
        let configuration = ModelConfiguration(embedding: 32, layers: 2, heads: 2, points: 10)
        let model = try makeModel(seed: 1, configuration)
        var generator = RandomGenerator(seed: 2)
        let settings = TrainingSettings(steps: 600, batchSize: 64, learningRate: 3e-3,
                                        schedule: .warmupCosine(warmupSteps: 20, minimumFactor: 0.1),
                                        gradientClip: 1, curriculum: .fixed(10))
        let losses = try Trainer(settings: settings).train(model: model, source: RandomLines(), generator: &generator).losses
        let curve = stride(from: 0, to: losses.count, by: 50).map { losses[$0..<min(losses.count, $0 + 50)].reduce(0, +) / 50 }
        var test = PromptBatch(count: 256, points: 10)
        var testGenerator = RandomGenerator(seed: 99)
        RandomLines().fill(&test, using: &testGenerator)
        let predictions = try model.predict(test)
        var modelError: Double = 0, zeroError: Double = 0, firstPointError: Double = 0
        for s in 0..<test.count {
            let first = Double(predictions[s * 10] - test.ys[s * 10])
            firstPointError += 5 * first * first  // 5 positions' worth, to compare with 6-10
            for i in 5..<10 {
                let y = Double(test.ys[s * 10 + i])
                modelError += (Double(predictions[s * 10 + i]) - y) * (Double(predictions[s * 10 + i]) - y)
                zeroError += y * y
            }
        }
        // The first point has no context: what is learned there is only the prior. Later
        // points must use the context: their error falls far below both the zero predictor
        // and the model's own error without context.
        #expect(modelError < 0.5 * firstPointError, "model error at points 6-10: \(modelError), at point 1 (x5): \(firstPointError)")
        #expect(modelError < 0.45 * zeroError, "error at points 6-10: model \(modelError), zero predictor \(zeroError); loss every 50 steps \(curve)")
    }
}

#if DEBUG
let isOptimizedBuild = false
#else
let isOptimizedBuild = true
#endif
