import Foundation
import Testing
@testable import PolyICLCore

/// LoRA, soft prompts, the adapter trainer and the hinge alignment loss (issue 5), against
/// finite differences, the base model and hand-computed values.
@Suite struct FineTuningTests {
    static let small = ModelConfiguration(embedding: 16, layers: 2, heads: 2, points: 8)

    /// A small model with rough (far from initial) weights, so every path carries signal.
    func roughModel(seed: UInt64 = 5) throws -> TransformerModel {
        var generator = RandomGenerator(seed: seed)
        let model = try TransformerModel(configuration: Self.small, generator: &generator, threads: 2)
        try model.setParameters(ModelReferenceTests.roughParameters(Self.small, &generator))
        return model
    }

    func meanSquaredError(_ model: TransformerModel, _ batch: PromptBatch) -> Float {
        let predictions = (try? model.predict(batch)) ?? []
        guard predictions.count == batch.ys.count else { return .nan }
        var sum: Double = 0
        for i in predictions.indices { let d = Double(predictions[i] - batch.ys[i]); sum += d * d }
        return Float(sum / Double(predictions.count))
    }

    /// Adapter gradients from `trainingStep` against central differences of the loss.
    func checkAdapterGradients(_ model: TransformerModel, _ adapters: ModelAdapters, _ batch: PromptBatch, indices: [Int], _ label: String) throws {
        try model.trainingStep(batch, loss: MeanSquaredError())
        let analytic = adapters.withGradients { Array($0) }
        let start = adapters.parameterValues
        let numeric = finiteDifferenceGradient(of: { values in
            (try? adapters.setParameters(values)).map { meanSquaredError(model, batch) } ?? .nan
        }, at: start, indices: indices, step: 3e-3)
        try adapters.setParameters(start)
        expectGradientsClose(indices.map { analytic[$0] }, numeric, absolute: 3e-3, relative: 3e-2, label)
    }

    @Test func trainableCountsMatchThePaper() throws {
        var generator = RandomGenerator(seed: 1)
        let standard = try #require(ModelConfiguration.preset(named: "standard"))
        let model = try TransformerModel(configuration: standard, generator: &generator, threads: 1)
        #expect(try ModelAdapters(model: model, lora: LoRASettings(), generator: &generator).parameterCount == 12_288)
        #expect(try ModelAdapters(model: model, lora: nil, softPromptPairs: 50, generator: &generator).parameterCount == 12_800)
        #expect(try ModelAdapters(model: model, lora: nil, softPromptPairs: 2, generator: &generator).parameterCount == 512)
        // All four matrices at rank 4: 6 x 4 x ((128 + 384) + (128 + 128) + (128 + 512) + (512 + 128)).
        let all = LoRASettings(rank: 4, alpha: 16, targets: Set(LoRATarget.allCases))
        #expect(try ModelAdapters(model: model, lora: all, generator: &generator).parameterCount == 6 * 4 * 2048)
    }

    @Test func loraStartsKaimingUniformWithZeroB() throws {
        let model = try roughModel()
        var generator = RandomGenerator(seed: 2)
        let adapters = try ModelAdapters(model: model, lora: LoRASettings(rank: 4, alpha: 16, targets: [.attentionInput, .mlpOutput]), generator: &generator)
        let file = AdapterFile.contents(of: adapters)
        for tensor in file.tensors {
            let values = tensor.floats
            if tensor.name.hasSuffix("lora_B.weight") {
                #expect(values.allSatisfy { $0 == 0 }, "\(tensor.name) starts at zero")
            } else {
                let bound = 1 / Float(tensor.shape[1]).squareRoot()  // kaiming_uniform_(a=sqrt(5)): 1/sqrt(fan_in)
                #expect(values.allSatisfy { abs($0) <= bound })
                #expect(values.contains { abs($0) > 0.8 * bound }, "\(tensor.name) fills its range")
            }
        }
    }

    @Test func loraWithZeroBPredictsAsTheBase() throws {
        let model = try roughModel()
        var generator = RandomGenerator(seed: 3)
        let batch = ModelReferenceTests.randomBatch(count: 3, points: 6, inputDimension: 1, &generator)
        let base = try model.predict(batch)
        try model.attach(ModelAdapters(model: model, lora: LoRASettings(rank: 2, alpha: 8, targets: Set(LoRATarget.allCases)), generator: &generator))
        #expect(try model.predict(batch) == base)
    }

    @Test func loraGradientsMatchFiniteDifferences() throws {
        let model = try roughModel()
        var generator = RandomGenerator(seed: 4)
        let adapters = try ModelAdapters(model: model, lora: LoRASettings(rank: 2, alpha: 4, targets: Set(LoRATarget.allCases)), generator: &generator)
        try adapters.setParameters(randomFloats(adapters.parameterCount, &generator, scale: 0.3))
        try model.attach(adapters)
        let batch = ModelReferenceTests.randomBatch(count: 2, points: 5, inputDimension: 1, &generator)
        // A few entries of every A and B of both layers.
        var indices: [Int] = []
        for layer in 0..<2 {
            for target in LoRATarget.allCases {
                let a = try #require(adapters.loraOffsets[layer][target])
                let (n, m) = target.shape(width: 16)
                indices += [a, a + n + 1, a + 2 * n - 1, a + 2 * n, a + 2 * n + m, a + 2 * n + 2 * m - 1]
            }
        }
        try checkAdapterGradients(model, adapters, batch, indices: indices, "LoRA A/B")
        // The base is frozen: no gradient was written for it.
        #expect(model.withGradients { $0.allSatisfy { $0 == 0 } })
    }

    @Test func mergedWeightsPredictAsTheAttachedAdapters() throws {
        let model = try roughModel()
        var generator = RandomGenerator(seed: 5)
        let adapters = try ModelAdapters(model: model, lora: LoRASettings(rank: 3, alpha: 6, targets: Set(LoRATarget.allCases)), generator: &generator)
        try adapters.setParameters(randomFloats(adapters.parameterCount, &generator, scale: 0.2))
        try model.attach(adapters)
        let batch = ModelReferenceTests.randomBatch(count: 3, points: 7, inputDimension: 1, &generator)
        let withAdapters = try model.predict(batch)
        let merged = model.mergedParameters()
        let base = model.parameterValues
        #expect(merged != base)
        var other = RandomGenerator(seed: 0)
        let mergedModel = try TransformerModel(configuration: Self.small, generator: &other, threads: 2)
        try mergedModel.setParameters(merged)
        let mergedPredictions = try mergedModel.predict(batch)
        for i in withAdapters.indices { #expect(abs(withAdapters[i] - mergedPredictions[i]) <= 1e-4 * max(1, abs(withAdapters[i]))) }
        // Merging in place gives the same model and removes the adapters.
        try model.mergeLoRA()
        #expect(model.adapters == nil)
        #expect(model.parameterValues == merged)
    }

    @Test func softPromptOfZeroPairsIsTheBase() throws {
        let model = try roughModel()
        var generator = RandomGenerator(seed: 6)
        let batch = ModelReferenceTests.randomBatch(count: 2, points: 8, inputDimension: 1, &generator)
        let base = try model.predict(batch)
        try model.attach(ModelAdapters(model: model, lora: nil, softPromptPairs: 0, generator: &generator))
        #expect(try model.predict(batch) == base)
    }

    /// A soft prompt equal to read_in of real pairs is those pairs as context: its predictions
    /// are the base model's on the longer prompt, from the first real point on.
    @Test func softPromptOfHardPairsEqualsThoseContextPoints() throws {
        let model = try roughModel()
        var generator = RandomGenerator(seed: 7)
        let full = ModelReferenceTests.randomBatch(count: 2, points: 7, inputDimension: 1, &generator)
        let adapters = try ModelAdapters(model: model, lora: nil, softPromptPairs: 2, generator: &generator)
        for s in 0..<2 {
            // One adapter object per sequence: each sequence's own first two pairs as the prompt.
            let tokens = [full.xs[s * 7], full.ys[s * 7], full.xs[s * 7 + 1], full.ys[s * 7 + 1]]
            let vectors = model.readIn(tokens: tokens)
            try adapters.setPromptVectors((0..<4).map { Array(vectors[($0 * 16)..<(($0 + 1) * 16)]) })
            try model.attach(adapters)
            let rest = PromptBatch(count: 1, points: 5, inputDimension: 1,
                                   xs: Array(full.xs[(s * 7 + 2)..<(s * 7 + 7)]), ys: Array(full.ys[(s * 7 + 2)..<(s * 7 + 7)]))
            let prompted = try model.predict(rest)
            try model.detachAdapters()
            let reference = try model.predict(full)
            for i in 0..<5 { #expect(abs(prompted[i] - reference[s * 7 + 2 + i]) <= 1e-5 * max(1, abs(reference[s * 7 + 2 + i]))) }
        }
    }

    @Test func softPromptGradientsMatchFiniteDifferences() throws {
        let model = try roughModel()
        var generator = RandomGenerator(seed: 8)
        let adapters = try ModelAdapters(model: model, lora: nil, softPromptPairs: 2, generator: &generator)
        try model.attach(adapters)
        let batch = ModelReferenceTests.randomBatch(count: 2, points: 5, inputDimension: 1, &generator)
        // Entries of all four vectors (x and y of both pairs).
        let indices = (0..<4).flatMap { t in [0, 7, 15].map { t * 16 + $0 } }
        try checkAdapterGradients(model, adapters, batch, indices: indices, "soft prompt")
    }

    @Test func loraAndSoftPromptTogetherHaveCorrectGradients() throws {
        let model = try roughModel()
        var generator = RandomGenerator(seed: 9)
        let adapters = try ModelAdapters(model: model, lora: LoRASettings(rank: 2, alpha: 4), softPromptPairs: 1, generator: &generator)
        var values = adapters.parameterValues
        for i in 0..<adapters.promptOffset { values[i] = Float(0.3 * generator.nextNormal()) }
        try adapters.setParameters(values)
        try model.attach(adapters)
        let batch = ModelReferenceTests.randomBatch(count: 2, points: 4, inputDimension: 1, &generator)
        let indices = Array(stride(from: 0, to: adapters.parameterCount, by: 23))
        try checkAdapterGradients(model, adapters, batch, indices: indices, "LoRA + soft prompt")
    }

    @Test func promptAndPointsMustFitThePositions() throws {
        let model = try roughModel()
        var generator = RandomGenerator(seed: 10)
        try model.attach(ModelAdapters(model: model, lora: nil, softPromptPairs: 3, generator: &generator))
        let fits = ModelReferenceTests.randomBatch(count: 1, points: 5, inputDimension: 1, &generator)
        #expect(try model.predict(fits).count == 5)
        let tooLong = ModelReferenceTests.randomBatch(count: 1, points: 6, inputDimension: 1, &generator)
        #expect { try model.predict(tooLong) } throws: { error in
            "\(error)".contains("soft prompt of 3 pairs and 6 points need 18 positions") && "\(error)".contains("at most 5 points")
        }
        let trainer = Trainer(settings: TrainingSettings(steps: 1, batchSize: 2, curriculum: .fixed(6)))
        #expect { _ = try trainer.train(model: model, source: RandomLines(), generator: &generator) } throws: { error in
            "\(error)".contains("soft prompt of 3 pairs") && "\(error)".contains("at most 5")
        }
        #expect(throws: FineTuningError.self) { try ModelAdapters(model: model, lora: nil, softPromptPairs: 8, generator: &generator) }
        #expect(throws: FineTuningError.self) { try ModelAdapters(model: model, lora: LoRASettings(rank: 0), generator: &generator) }
    }

    @Test func hingeLossMatchesHandValuesAndFiniteDifferences() throws {
        let loss = try HingeAlignmentLoss(threshold: 0.5, weight: 100)
        // Targets: 0.5 (clamped) twice, 0.2 (not clamped) twice; predictions above and below.
        let targets: [Float] = [0.5, 0.5, 0.2, 0.2]
        let predictions: [Float] = [0.7, 0.4, 0.9, 0.1]
        var gradient = [Float](repeating: 0, count: 4)
        let value = predictions.withUnsafeBufferPointer { p in
            targets.withUnsafeBufferPointer { t in
                gradient.withUnsafeMutableBufferPointer { loss.evaluate(predictions: p, targets: t, count: 2, points: 2, gradient: $0) }
            }
        }
        // By hand: (0.04 + 100 * 0.04) + 0.01 + 0.49 + 0.01 = 4.55, over 4.
        #expect(abs(value - 4.55 / 4) < 1e-5)
        let numeric = finiteDifferenceGradient(of: { x in
            var g = [Float](repeating: 0, count: 4)
            return x.withUnsafeBufferPointer { p in targets.withUnsafeBufferPointer { t in
                g.withUnsafeMutableBufferPointer { loss.evaluate(predictions: p, targets: t, count: 2, points: 2, gradient: $0) } } }
        }, at: predictions, indices: Array(0..<4), step: 1e-3)
        expectGradientsClose(gradient, numeric, "hinge loss")
        #expect(throws: FineTuningError.self) { try HingeAlignmentLoss(threshold: 0.5, weight: -1) }
    }

    /// The loss reads "clamped" from the target; on a noise-free clamped task that is exactly
    /// the points whose clean value is at or above the threshold.
    @Test func clampedTargetsAreThePointsAboveTheThreshold() throws {
        let task = try ChebyshevTask(degrees: 5...5, clampThreshold: 0.5)
        var batch = PromptBatch(count: 50, points: 20)
        var clean: [Float] = []
        var generator = RandomGenerator(seed: 11)
        task.fill(&batch, cleanValues: &clean, using: &generator)
        let fromTargets = batch.ys.map { $0 >= 0.5 }
        let fromClean = clean.map { $0 >= 0.5 }
        #expect(fromTargets == fromClean)
        #expect(fromClean.contains(true) && fromClean.contains(false))
    }

    /// Lines y = 0.7 + 0.3 (a x + b): the offset is something a frozen random model gets wrong and
    /// either adapter can learn in a few dozen steps.
    struct OffsetLines: PromptSource {
        var inputDimension: Int { 1 }
        func fill(_ batch: inout PromptBatch, using generator: inout RandomGenerator) {
            RandomLines().fill(&batch, using: &generator)
            for i in batch.ys.indices { batch.ys[i] = 0.7 + 0.3 * batch.ys[i] }
        }
    }

    @Test func shortFineTunesReduceTheLossAndLeaveTheBaseAlone() throws {
        for (lora, pairs, rate) in [(LoRASettings(), 0, Float(1e-2)), (nil, 2, Float(5e-2))] {
            // Rough weights: at GPT-2's initial scale attention carries almost nothing between
            // positions, so a soft prompt could not reach the predictions at all.
            let model = try roughModel(seed: 12)
            var generator = RandomGenerator(seed: 12)
            let base = model.parameterValues
            let adapters = try ModelAdapters(model: model, lora: lora, softPromptPairs: pairs, generator: &generator)
            try model.attach(adapters)
            // A fixed held-out batch: per-step losses of random lines are too noisy to compare.
            var heldOut = PromptBatch(count: 256, points: 5)
            var heldOutGenerator = RandomGenerator(seed: 99)
            OffsetLines().fill(&heldOut, using: &heldOutGenerator)
            let before = meanSquaredError(model, heldOut)
            let trainer = Trainer(settings: TrainingSettings(steps: 80, batchSize: 32, learningRate: rate, curriculum: .fixed(5)))
            _ = try trainer.train(model: model, source: OffsetLines(), generator: &generator)
            let after = meanSquaredError(model, heldOut)
            #expect(after < 0.8 * before, "\(lora == nil ? "soft prompt" : "LoRA"): held-out loss \(before) -> \(after)")
            #expect(model.parameterValues == base)
        }
    }

    @Test func adapterFilesUsePeftNamesAndRoundTrip() throws {
        let model = try roughModel()
        var generator = RandomGenerator(seed: 13)
        let adapters = try ModelAdapters(model: model, lora: LoRASettings(rank: 2, alpha: 8, targets: [.attentionInput, .mlpInput]), softPromptPairs: 1, generator: &generator)
        try adapters.setParameters(randomFloats(adapters.parameterCount, &generator))
        let contents = AdapterFile.contents(of: adapters)
        #expect(contents["base_model.model._backbone.h.0.attn.c_attn.lora_A.weight"]?.shape == [2, 16])
        #expect(contents["base_model.model._backbone.h.1.attn.c_attn.lora_B.weight"]?.shape == [48, 2])
        #expect(contents["base_model.model._backbone.h.1.mlp.c_fc.lora_B.weight"]?.shape == [64, 2])
        #expect(contents["prompt_embeddings"]?.shape == [2, 16])
        #expect(contents.metadata["lora_alpha"] == "8.0" && contents.metadata["target_modules"] == "attn.c_attn,mlp.c_fc")
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("adapters-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try AdapterFile.save(adapters, to: url)
        let loaded = try AdapterFile.load(url, for: model)
        #expect(loaded.parameterValues == adapters.parameterValues)
        #expect(loaded.lora == adapters.lora && loaded.promptPairs == 1)
    }
}

/// The merge against peft's own formula, computed by NumPy from the saved files alone.
@Suite struct AdapterMergeReferenceTests {
    @Test func mergedWeightsMatchPeftsFormulaInNumPy() throws {
        var generator = RandomGenerator(seed: 21)
        let configuration = ModelConfiguration(embedding: 16, layers: 2, heads: 2, points: 8)
        let model = try TransformerModel(configuration: configuration, generator: &generator, threads: 1)
        let lora = LoRASettings(rank: 3, alpha: 12, targets: [.attentionInput, .mlpOutput])
        let adapters = try ModelAdapters(model: model, lora: lora, generator: &generator)
        try adapters.setParameters(randomFloats(adapters.parameterCount, &generator))
        try model.attach(adapters)
        let directory = try DataTestSupport.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try CheckpointFile.save(Checkpoint(configuration: configuration, parameters: model.parameterValues), to: directory.appendingPathComponent("base.safetensors"))
        try AdapterFile.save(adapters, to: directory.appendingPathComponent("adapter_model.safetensors"))
        // peft, LoRA Linear around a GPT-2 Conv1D (fan_in_fan_out=True):
        // get_delta_weight = transpose(B @ A, True) * scaling; merged = W + delta.
        try DataTestSupport.runPython("""
        import json, struct, numpy as np
        def load(path):
            raw = open(path, 'rb').read()
            n = struct.unpack('<Q', raw[:8])[0]
            header = json.loads(raw[8:8 + n]); data = raw[8 + n:]
            meta = header.pop('__metadata__', {})
            out = {}
            for name, t in header.items():
                a, b = t['data_offsets']
                out[name] = np.frombuffer(data[a:b], dtype=np.float32).reshape(t['shape'])
            return out, meta
        base, _ = load('base.safetensors')
        lora, meta = load('adapter_model.safetensors')
        scaling = float(meta['lora_alpha']) / int(meta['r'])
        for module in meta['target_modules'].split(','):
            for i in range(2):
                prefix = f'base_model.model._backbone.h.{i}.{module}.'
                A, B = lora[prefix + 'lora_A.weight'], lora[prefix + 'lora_B.weight']
                W = base[f'_backbone.h.{i}.{module}.weight'].astype(np.float64)
                merged = W + (B.astype(np.float64) @ A.astype(np.float64)).T * scaling
                np.save(f'merged-{i}-{module}.npy', merged)
        """, in: directory)
        let merged = model.mergedParameters()
        for layer in 0..<2 {
            for target in lora.orderedTargets {
                let reference = try NumpyFile.read(directory.appendingPathComponent("merged-\(layer)-\(target.rawValue).npy"))
                let (n, m) = target.shape(width: 16)
                #expect(reference.shape == [n, m])
                let offset = model.weightOffset(layer: layer, target: target)
                let ours = Array(merged[offset..<(offset + n * m)])
                let worst = worstError(zip(ours, reference.floats).map { Double(abs($0 - $1)) })
                #expect(worst < 1e-5, "layer \(layer) \(target.rawValue): worst difference \(worst)")
            }
        }
    }
}
