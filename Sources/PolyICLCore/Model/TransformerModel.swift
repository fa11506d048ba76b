import CKernels
import COpenBLAS
import Dispatch

/// Garg et al.'s in-context regressor: interleaved (x, y) tokens through a shared `read_in`,
/// learned positions, pre-LayerNorm GPT-2 blocks, `ln_f`, and `read_out` at the x positions.
///
/// Parameters live in one flat Float buffer in exactly `configuration.parameterLayout` order
/// and PyTorch layout, so a checkpoint is a plain copy; gradients use the same layout.
/// Forward and backward are written by hand per layer (llm.c style) over activation buffers
/// planned once and reused: a training step allocates nothing.
///
/// Extension points for fine-tuning: every block's c_attn goes through one place
/// (`attentionInputProjection`), where LoRA adapters can add their low-rank term; the
/// embedding is written into the residual stream in one place (`embed`), where soft-prompt
/// vectors can be prepended, with `ReadOut` reading rows at a fixed stride from any start.
public final class TransformerModel {
    public let configuration: ModelConfiguration
    public let executor: ParallelExecutor
    let parameters: FloatBuffer
    let gradients: FloatBuffer
    let offsets: ParameterOffsets
    public private(set) var frozenGroups: Set<String> = []
    private var trainable: TrainableGroups
    private var trainingWorkspace: ActivationWorkspace?
    /// LoRA adapters and/or a soft prompt (FineTuning/); set by `attach(_:)`, nil: the plain model.
    public internal(set) var adapters: ModelAdapters?
    /// Positions the soft prompt occupies before the real tokens (0 without one).
    var promptPositions: Int { adapters?.promptPositions ?? 0 }
    private var inferenceWorkspaceList: [ActivationWorkspace] = []

    /// Builds the model with GPT-2 initialisation for the backbone and PyTorch's `nn.Linear`
    /// defaults for `read_in`/`read_out` (as Garg et al.'s code), drawing from `generator` tensor by tensor
    /// in `parameterLayout` order. `threads` nil: all cores.
    public init(configuration: ModelConfiguration, generator: inout RandomGenerator, threads: Int? = nil) throws {
        try configuration.validate()
        self.configuration = configuration
        executor = ParallelExecutor(threads: threads)
        parameters = FloatBuffer(count: configuration.parameterCount)
        gradients = FloatBuffer(count: configuration.parameterCount)
        offsets = ParameterOffsets(configuration)
        trainable = TrainableGroups(configuration: configuration, frozen: [])
        let residualStd = 0.02 / (2.0 * Double(configuration.layers)).squareRoot()
        for spec in configuration.parameterLayout {
            let values = parameters.pointer + spec.offset
            switch spec.kind {
            case .conv1DWeight, .positionEmbedding:
                for i in 0..<spec.count { values[i] = Float(0.02 * generator.nextNormal()) }
            case .linearWeight, .linearBias:
                let bound = 1.0 / Double(max(1, spec.fanIn)).squareRoot()
                for i in 0..<spec.count { values[i] = Float(generator.nextUniform(-bound, bound)) }
            case .residualProjectionWeight:
                for i in 0..<spec.count { values[i] = Float(residualStd * generator.nextNormal()) }
            case .layerNormGain:
                values.update(repeating: 1, count: spec.count)
            case .bias:
                values.update(repeating: 0, count: spec.count)
            }
        }
    }

    public var parameterCount: Int { parameters.count }

    // MARK: Parameters and gradients

    /// Read/write access to the flat parameters (checkpoints, optimisers).
    public func withParameters<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(parameters.buffer)
    }

    /// The gradients of the last `trainingStep` (frozen groups hold zeros).
    public func withGradients<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(gradients.buffer)
    }

    /// A copy of the flat parameters.
    public var parameterValues: [Float] { parameters.array }

    /// Replaces all parameters (e.g. from a checkpoint); the count must match the layout.
    public func setParameters(_ values: [Float]) throws {
        guard values.count == parameters.count else {
            throw ModelInputError("parameter count \(values.count) does not match the model's \(parameters.count) (\(configuration.embedding) wide, \(configuration.layers) layers, \(configuration.points) points)")
        }
        values.withUnsafeBufferPointer { parameters.pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    /// Freezes the named groups (from `configuration.parameterGroups`); all others train.
    public func setFrozenGroups(_ groups: Set<String>) throws {
        let known = configuration.parameterGroups
        for group in groups where !known.contains(group) {
            throw ModelInputError("unknown parameter group '\(group)': expected one of \(known.joined(separator: ", "))")
        }
        frozenGroups = groups
        trainable = TrainableGroups(configuration: configuration, frozen: groups)
    }

    /// Offsets of the trainable parameters, as maximal contiguous ranges in layout order.
    public var trainableRanges: [Range<Int>] {
        var ranges: [Range<Int>] = []
        for spec in configuration.parameterLayout where !frozenGroups.contains(spec.group) {
            let range = spec.offset..<(spec.offset + spec.count)
            if let last = ranges.last, last.upperBound == range.lowerBound {
                ranges[ranges.count - 1] = last.lowerBound..<range.upperBound
            } else {
                ranges.append(range)
            }
        }
        return ranges
    }

    // MARK: Inference

    /// The prediction at every x position, [count, points] row-major.
    public func predict(_ batch: PromptBatch) throws -> [Float] {
        var output = [Float](repeating: 0, count: batch.count * batch.points)
        try output.withUnsafeMutableBufferPointer { try predict(batch, into: $0) }
        return output
    }

    /// As `predict(_:)`, into a caller's buffer of at least count * points floats.
    ///
    /// Each worker runs whole chunks of sequences through every layer on its own workspace
    /// with single-threaded kernels: workers never wait for each other between layers, and
    /// each core keeps its chunk's activations in its own cache. Every prediction depends
    /// only on its own sequence, so the split changes no bit of the result.
    public func predict(_ batch: PromptBatch, into output: UnsafeMutableBufferPointer<Float>) throws {
        try check(batch)
        guard output.count >= batch.count * batch.points, let destination = output.baseAddress else {
            throw ModelInputError("prediction buffer holds \(output.count) floats; \(batch.count) prompts of \(batch.points) points need \(batch.count * batch.points)")
        }
        executor.prepareCallingThread()
        // The work between parallel regions, on this thread, flushes subnormals too (see ParallelExecutor).
        let callerMode = polyicl_subnormals_flush_begin()
        defer { polyicl_subnormals_flush_end(callerMode) }
        let T = promptPositions + 2 * batch.points
        let lanes = min(executor.threads, batch.count)
        let workspaces = inferenceWorkspaces(lanes)
        let capacity = max(1, workspaces[0].sequenceCapacity(positions: T))
        // Chunks in a multiple of the lanes, so every worker gets the same number.
        let needed = (batch.count + capacity - 1) / capacity
        let evenly = (needed + lanes - 1) / lanes * lanes
        let chunk = (batch.count + evenly - 1) / evenly
        let chunks = (batch.count + chunk - 1) / chunk
        let laneExecutor = lanes > 1 ? ParallelExecutor(threads: 1, level: executor.kernelLevel) : executor
        let run = UncheckedSendable { (lane: Int) in
            for index in stride(from: lane, to: chunks, by: lanes) {
                let first = index * chunk, count = min(chunk, batch.count - first)
                self.forward(batch, first: first, count: count, workspace: workspaces[lane], executor: laneExecutor)
                (destination + first * batch.points).update(
                    from: workspaces[lane].predictions.pointer, count: count * batch.points)
            }
        }
        if lanes == 1 {
            run.value(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: lanes) { lane in run.value(lane) }
        }
    }

    /// The residual stream after the embedding and after every block: layers + 1 arrays of
    /// [count, 2 * points, embedding] (the input of the spectral analysis); with a soft
    /// prompt attached, its 2P rows come first in every sequence.
    public func hiddenStates(_ batch: PromptBatch) throws -> [[Float]] {
        try check(batch)
        let T = promptPositions + 2 * batch.points, C = configuration.embedding
        var states = [[Float]](repeating: [], count: configuration.layers + 1)
        for i in states.indices { states[i].reserveCapacity(batch.count * T * C) }
        executor.prepareCallingThread()
        // The work between parallel regions, on this thread, flushes subnormals too (see ParallelExecutor).
        let callerMode = polyicl_subnormals_flush_begin()
        defer { polyicl_subnormals_flush_end(callerMode) }
        let workspace = inferenceWorkspaces(1)[0]
        let chunk = max(1, workspace.sequenceCapacity(positions: T))
        for first in stride(from: 0, to: batch.count, by: chunk) {
            let count = min(chunk, batch.count - first)
            forward(batch, first: first, count: count, workspace: workspace, executor: executor) { layer, residual in
                states[layer].append(contentsOf: UnsafeBufferPointer(start: residual, count: count * T * C))
            }
        }
        return states
    }

    /// At least `lanes` inference workspaces, made on first need and kept. About 2k rows
    /// each: a layer's activations (~16 MB at width 128) then mostly stay in cache from one
    /// kernel to the next; 16k-row passes measured ~15% slower (eval CPU time).
    private func inferenceWorkspaces(_ lanes: Int) -> [ActivationWorkspace] {
        let positions = configuration.positions
        while inferenceWorkspaceList.count < lanes {
            inferenceWorkspaceList.append(ActivationWorkspace(
                configuration: configuration, batch: max(1, 2_048 / positions), positions: positions,
                training: false, threads: executor.threads))
        }
        return inferenceWorkspaceList
    }

    // MARK: Training

    /// Plans the training workspace for batches up to `batch` prompts of `points` points
    /// (done automatically by `trainingStep` when a larger shape arrives).
    public func reserve(batch: Int, points: Int) {
        let positions = min(promptPositions + 2 * max(1, points), configuration.positions)
        if let workspace = trainingWorkspace, workspace.sequenceCapacity(positions: positions) >= batch { return }
        trainingWorkspace = nil  // release before allocating the larger one
        trainingWorkspace = ActivationWorkspace(
            configuration: configuration, batch: max(1, batch), positions: positions,
            training: true, threads: executor.threads)
    }

    /// Forward, loss and backward on `batch`; leaves dLoss/dParameters in the gradient
    /// buffer (frozen groups: zero) and returns the loss. Parameters are not changed.
    @discardableResult
    public func trainingStep(_ batch: PromptBatch, loss: any Loss) throws -> Float {
        try check(batch)
        let T = promptPositions + 2 * batch.points
        if (trainingWorkspace?.sequenceCapacity(positions: T) ?? 0) < batch.count {
            reserve(batch: batch.count, points: max(batch.points, configuration.points))
        }
        guard let workspace = trainingWorkspace, let g = workspace.gradients else { return .nan }
        executor.prepareCallingThread()
        // The work between parallel regions, on this thread, flushes subnormals too (see ParallelExecutor).
        let callerMode = polyicl_subnormals_flush_begin()
        defer { polyicl_subnormals_flush_end(callerMode) }
        forward(batch, first: 0, count: batch.count, workspace: workspace, executor: executor)
        let outputs = batch.count * batch.points
        let value = batch.ys.withUnsafeBufferPointer { targets in
            loss.evaluate(
                predictions: UnsafeBufferPointer(start: workspace.predictions.pointer, count: outputs),
                targets: targets, count: batch.count, points: batch.points,
                gradient: UnsafeMutableBufferPointer(start: g.predictions.pointer, count: outputs))
        }
        gradients.zero()
        adapters?.gradients.zero()
        backward(count: batch.count, points: batch.points, workspace: workspace)
        return value
    }

    // MARK: Forward

    /// One pass over sequences first..<first+count of `batch`; `observeResidual(l, pointer)`
    /// sees the residual stream entering block l (l = layers: after the last block).
    private func forward(
        _ batch: PromptBatch, first: Int, count: Int, workspace ws: ActivationWorkspace, executor: ParallelExecutor,
        observeResidual: ((Int, UnsafePointer<Float>) -> Void)? = nil
    ) {
        let T = promptPositions + 2 * batch.points, C = configuration.embedding, rows = count * T
        let p = parameters.pointer
        // An observer wants every row of the last block's output.
        let xRowsOnly = observeResidual == nil
        embed(batch, first: first, count: count, workspace: ws, executor: executor)
        observeResidual?(0, ws.residual(0).pointer)
        for layer in 0..<configuration.layers {
            if layer == configuration.layers - 1, xRowsOnly {
                lastBlockForwardAtXRows(count: count, points: batch.points, positions: T, workspace: ws, executor: executor)
            } else {
                blockForward(layer, count: count, positions: T, workspace: ws, executor: executor)
            }
            observeResidual?(layer + 1, ws.residual(layer + 1).pointer)
        }
        // ln_f and read_out only at the x rows (every other row).
        LayerNorm.forward(
            output: ws.lnf.pointer, mean: ws.lnfMean.pointer, inverseStd: ws.lnfInverseStd.pointer,
            input: ws.residual(configuration.layers).pointer, gain: p + offsets.lnfGain, bias: p + offsets.lnfBias,
            rows: rows, width: C, rowStride: 2, executor: executor)
        ReadOut.forward(
            predictions: ws.predictions.pointer, hidden: ws.lnf.pointer,
            weight: p + offsets.readOutWeight, bias: p + offsets.readOutBias,
            sequences: count, points: batch.points, prefix: promptPositions, width: C)
    }

    private func embed(_ batch: PromptBatch, first: Int, count: Int, workspace ws: ActivationWorkspace, executor: ParallelExecutor) {
        let p = parameters.pointer
        TokenEmbedding.interleave(tokens: ws.tokens.pointer, batch: batch, first: first, count: count)
        if let adapters, adapters.promptPairs > 0 {
            adapters.embed(
                output: ws.residual(0).pointer, tokens: ws.tokens.pointer,
                weight: p + offsets.readInWeight, bias: p + offsets.readInBias,
                positionEmbedding: offsets.positionEmbedding.map { UnsafePointer(p + $0) },
                count: count, positions: promptPositions + 2 * batch.points, width: configuration.embedding,
                inputWidth: configuration.inputDimension, executor: executor)
            return
        }
        TokenEmbedding.forward(
            output: ws.residual(0).pointer, tokens: ws.tokens.pointer,
            weight: p + offsets.readInWeight, bias: p + offsets.readInBias,
            positionEmbedding: offsets.positionEmbedding.map { UnsafePointer(p + $0) },
            batch: count, positions: 2 * batch.points, width: configuration.embedding,
            inputWidth: configuration.inputDimension, executor: executor)
    }

    private func blockForward(
        _ layer: Int, count: Int, positions T: Int, workspace ws: ActivationWorkspace, executor: ParallelExecutor
    ) {
        let a = ws.block(layer), input = ws.residual(layer).pointer
        attentionForward(layer, count: count, positions: T, workspace: ws, executor: executor)
        projectionAndMLPForward(
            layer, attention: a.attention.pointer, residual: input, output: ws.residual(layer + 1).pointer,
            rows: count * T, workspace: ws, executor: executor)
    }

    /// The last block: ln_f and read_out look at the x rows alone, so after attention (whose
    /// keys and values need every row) the rest of the block runs on those rows only, gathered
    /// densely (a sixteenth of the standard model's forward, and as much of its backward).
    /// Every row is computed exactly as in `blockForward`, so predictions keep every bit; the
    /// block's ln_2, fc and residualMid buffers hold the x rows (what `backward` reads).
    private func lastBlockForwardAtXRows(
        count: Int, points: Int, positions T: Int, workspace ws: ActivationWorkspace, executor: ParallelExecutor
    ) {
        let layer = configuration.layers - 1, C = configuration.embedding
        let a = ws.block(layer), rows = XRows(count: count, points: points, positions: T, prefix: promptPositions)
        attentionForward(layer, count: count, positions: T, workspace: ws, executor: executor)
        rows.gather(ws.xRowAttention.pointer, from: a.attention.pointer, width: C, executor: executor)
        rows.gather(ws.xRowResidual.pointer, from: ws.residual(layer).pointer, width: C, executor: executor)
        projectionAndMLPForward(
            layer, attention: ws.xRowAttention.pointer, residual: ws.xRowResidual.pointer, output: ws.xRowOutput.pointer,
            rows: rows.count, workspace: ws, executor: executor)
        rows.scatter(ws.xRowOutput.pointer, into: ws.residual(layer + 1).pointer, width: C, executor: executor)
    }

    /// ln_1, c_attn (with LoRA) and causal attention of `layer`, into the block's `attention`.
    private func attentionForward(
        _ layer: Int, count: Int, positions T: Int, workspace ws: ActivationWorkspace, executor: ParallelExecutor
    ) {
        let C = configuration.embedding, rows = count * T
        let p = parameters.pointer, o = offsets.blocks[layer], a = ws.block(layer)
        LayerNorm.forward(
            output: a.ln1.pointer, mean: a.ln1Mean.pointer, inverseStd: a.ln1InverseStd.pointer,
            input: ws.residual(layer).pointer, gain: p + o.ln1Gain, bias: p + o.ln1Bias, rows: rows, width: C, executor: executor)
        attentionInputProjection(layer, output: a.qkv.pointer, input: a.ln1.pointer, rows: rows, workspace: ws, executor: executor)
        CausalSelfAttention.forward(
            output: a.attention.pointer, probabilities: ws.gradients == nil ? nil : a.probabilities.pointer,
            scratch: ws.attentionScores.pointer, qkv: a.qkv.pointer,
            batch: count, positions: T, width: C, heads: configuration.heads, executor: executor)
    }

    /// The rest of `layer` on `rows` rows: output = mid + MLP(ln_2(mid)), where
    /// mid = residual + c_proj(attention); the block's ln_2, fc and residualMid buffers hold
    /// the intermediates.
    private func projectionAndMLPForward(
        _ layer: Int, attention: UnsafePointer<Float>, residual: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        rows: Int, workspace ws: ActivationWorkspace, executor: ParallelExecutor
    ) {
        let C = configuration.embedding
        let p = parameters.pointer, o = offsets.blocks[layer], a = ws.block(layer)
        // A training pass keeps GELU's slope in place of c_fc's output for the backward.
        let training = ws.gradients != nil
        Conv1D.forward(
            output: a.residualMid.pointer, input: attention,
            weight: p + o.attentionProjectionWeight, bias: p + o.attentionProjectionBias, residual: residual,
            rows: rows, inputWidth: C, outputWidth: C, executor: executor)
        addLoRA(layer, .attentionOutput, output: a.residualMid.pointer, input: attention, rows: rows, workspace: ws, executor: executor)
        LayerNorm.forward(
            output: a.ln2.pointer, mean: a.ln2Mean.pointer, inverseStd: a.ln2InverseStd.pointer,
            input: a.residualMid.pointer, gain: p + o.ln2Gain, bias: p + o.ln2Bias, rows: rows, width: C, executor: executor)
        if adapters?.lora?.targets.contains(.mlpInput) == true {
            // The adapter's update belongs before GELU, so the fused GELU tile pass cannot be used.
            Conv1D.forward(
                output: a.fc.pointer, input: a.ln2.pointer, weight: p + o.mlpWeight, bias: p + o.mlpBias,
                rows: rows, inputWidth: C, outputWidth: 4 * C, executor: executor)
            addLoRA(layer, .mlpInput, output: a.fc.pointer, input: a.ln2.pointer, rows: rows, workspace: ws, executor: executor)
            if training {
                GELU.forward(output: a.fcGelu.pointer, keepingSlopeIn: a.fc.pointer, count: rows * 4 * C, executor: executor)
            } else {
                GELU.forward(output: a.fcGelu.pointer, input: a.fc.pointer, count: rows * 4 * C, executor: executor)
            }
            Conv1D.forward(
                output: output, input: a.fcGelu.pointer,
                weight: p + o.mlpProjectionWeight, bias: p + o.mlpProjectionBias, residual: a.residualMid.pointer,
                rows: rows, inputWidth: 4 * C, outputWidth: C, executor: executor)
        } else {
            // A LoRA adapter on c_proj reads GELU's output.
            let keepingActivations = training || adapters?.hasLoRA(layer: layer, target: .mlpOutput) == true
            MLP.forward(
                output: output, preActivation: a.fc.pointer, activation: a.fcGelu.pointer, input: a.ln2.pointer,
                residual: a.residualMid.pointer, fcWeight: p + o.mlpWeight, fcBias: p + o.mlpBias,
                projectionWeight: p + o.mlpProjectionWeight, projectionBias: p + o.mlpProjectionBias,
                keepingActivations: keepingActivations, rows: rows, width: C, executor: executor)
        }
        addLoRA(layer, .mlpOutput, output: output, input: a.fcGelu.pointer, rows: rows, workspace: ws, executor: executor)
    }

    /// c_attn: the base projection plus the LoRA adapters' low-rank update, if any.
    private func attentionInputProjection(
        _ layer: Int, output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, rows: Int,
        workspace ws: ActivationWorkspace, executor: ParallelExecutor
    ) {
        let C = configuration.embedding, p = parameters.pointer, o = offsets.blocks[layer]
        Conv1D.forward(
            output: output, input: input, weight: p + o.attentionWeight, bias: p + o.attentionBias,
            rows: rows, inputWidth: C, outputWidth: 3 * C, executor: executor)
        addLoRA(layer, .attentionInput, output: output, input: input, rows: rows, workspace: ws, executor: executor)
    }

    /// LoRA's low-rank term for `target` of `layer`, when the adapters have one there.
    private func addLoRA(
        _ layer: Int, _ target: LoRATarget, output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
        rows: Int, workspace ws: ActivationWorkspace, executor: ParallelExecutor
    ) {
        guard let adapters, adapters.lora != nil else { return }
        adapters.loraForward(
            layer: layer, target: target, output: output, input: input, rows: rows,
            scratch: ws.loraScratch(count: adapters.loraScratchCount(rows: rows)), executor: executor)
    }

    /// LoRA's share of the backward pass for `target` of `layer`, when adapted there.
    private func backwardLoRA(
        _ layer: Int, _ target: LoRATarget, inputGradient: UnsafeMutablePointer<Float>,
        outputGradient: UnsafePointer<Float>, input: UnsafePointer<Float>, rows: Int, workspace ws: ActivationWorkspace
    ) {
        guard let adapters, adapters.lora != nil else { return }
        adapters.loraBackward(
            layer: layer, target: target, inputGradient: inputGradient, outputGradient: outputGradient,
            input: input, rows: rows, scratch: ws.loraScratch(count: adapters.loraScratchCount(rows: rows)),
            executor: executor)
    }

    /// Backward through a Conv1D (c_attn or c_fc, `target`) whose input is LayerNorm's output
    /// (`input`), on to LayerNorm's input, accumulating into `layerNorm.inputGradient`. One
    /// fused pass when it can run (`Conv1D.backwardThroughLayerNorm`), unless a LoRA adapter on
    /// the Conv1D adds to the gradient between the two backwards; otherwise the Conv1D's
    /// backward, the adapter's, then LayerNorm's, through the gradients' `normalized` buffer.
    private func normalizedConv1DBackward(
        _ layer: Int, _ target: LoRATarget, layerNorm: LayerNorm.BackwardOperands,
        weightGradient: UnsafeMutablePointer<Float>?, biasGradient: UnsafeMutablePointer<Float>?,
        outputGradient: UnsafePointer<Float>, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        rows: Int, outputWidth: Int, workspace ws: ActivationWorkspace
    ) {
        guard let g = ws.gradients else { return }
        let C = configuration.embedding, ones = g.ones.pointer, partials = g.parameterPartials.pointer
        let adapted = adapters?.hasLoRA(layer: layer, target: target) ?? false
        if !adapted, Conv1D.backwardThroughLayerNorm(
            layerNorm, weightGradient: weightGradient, biasGradient: biasGradient, outputGradient: outputGradient,
            input: input, weight: weight, ones: ones, partials: partials,
            rows: rows, inputWidth: C, outputWidth: outputWidth, executor: executor) {
            return
        }
        Conv1D.backward(
            inputGradient: g.normalized.pointer, weightGradient: weightGradient, biasGradient: biasGradient,
            outputGradient: outputGradient, input: input, weight: weight, ones: ones, partials: partials,
            rows: rows, inputWidth: C, outputWidth: outputWidth, executor: executor)
        backwardLoRA(layer, target, inputGradient: g.normalized.pointer, outputGradient: outputGradient,
                     input: input, rows: rows, workspace: ws)
        LayerNorm.backward(layerNorm, outputGradient: g.normalized.pointer, rows: rows, width: C, executor: executor)
    }

    // MARK: Backward

    /// Backward from the prediction gradient in `workspace.gradients.predictions`. Frozen
    /// groups get no weight-gradient GEMMs, and the pass stops below the lowest trainable group.
    private func backward(count: Int, points: Int, workspace ws: ActivationWorkspace) {
        guard let g = ws.gradients else { return }
        let T = promptPositions + 2 * points, C = configuration.embedding, rows = count * T, L = configuration.layers
        let p = parameters.pointer, d = gradients.pointer
        func needed(_ block: Int) -> Bool {
            trainable.anyAtOrBelow(block: block) || (adapters?.needsGradient(atOrBelow: block) ?? false)
        }
        let ones = g.ones.pointer, dResidual = g.residual.pointer
        func grad(_ offset: Int, _ on: Bool) -> UnsafeMutablePointer<Float>? { on ? d + offset : nil }

        ReadOut.backward(
            hiddenGradient: g.normalized.pointer,
            weightGradient: grad(offsets.readOutWeight, trainable.readOut), biasGradient: grad(offsets.readOutBias, trainable.readOut),
            predictionGradient: g.predictions.pointer, hidden: ws.lnf.pointer, weight: p + offsets.readOutWeight,
            sequences: count, points: points, prefix: promptPositions, width: C)
        guard needed(L) else { return }  // only read_out trains
        dResidual.update(repeating: 0, count: rows * C)
        LayerNorm.backward(
            inputGradient: dResidual,
            gainGradient: grad(offsets.lnfGain, trainable.lnf), biasGradient: grad(offsets.lnfBias, trainable.lnf),
            outputGradient: g.normalized.pointer, input: ws.residual(L).pointer, gain: p + offsets.lnfGain,
            mean: ws.lnfMean.pointer, inverseStd: ws.lnfInverseStd.pointer, partials: g.normPartials.pointer,
            rows: rows, width: C, rowStride: 2, executor: executor)

        for layer in stride(from: L - 1, through: 0, by: -1) {
            guard needed(layer) else { return }
            let on = trainable.blocks[layer]
            let o = offsets.blocks[layer], a = ws.block(layer)
            if layer == L - 1 {
                // The forward ran this block's projection and MLP at the x rows only; the
                // residual gradient is zero elsewhere (ln_f reads nothing else).
                let xRows = XRows(count: count, points: points, positions: T, prefix: promptPositions)
                xRows.gather(g.xRowResidual.pointer, from: dResidual, width: C, executor: executor)
                projectionAndMLPBackward(
                    layer, residualGradient: g.xRowResidual.pointer, attention: ws.xRowAttention.pointer,
                    attentionGradient: g.xRowAttention.pointer, rows: xRows.count, workspace: ws)
                g.attention.pointer.update(repeating: 0, count: rows * C)
                xRows.scatter(g.xRowAttention.pointer, into: g.attention.pointer, width: C, executor: executor)
                xRows.scatter(g.xRowResidual.pointer, into: dResidual, width: C, executor: executor)
            } else {
                projectionAndMLPBackward(
                    layer, residualGradient: dResidual, attention: a.attention.pointer,
                    attentionGradient: g.attention.pointer, rows: rows, workspace: ws)
            }
            CausalSelfAttention.backward(
                qkvGradient: g.qkv.pointer, outputGradient: g.attention.pointer, qkv: a.qkv.pointer,
                probabilities: a.probabilities.pointer, scratch: g.attentionScratch.pointer,
                batch: count, positions: T, width: C, heads: configuration.heads, executor: executor)
            let ln1 = LayerNorm.BackwardOperands(
                inputGradient: dResidual, gainGradient: grad(o.ln1Gain, on), biasGradient: grad(o.ln1Bias, on),
                input: ws.residual(layer).pointer, gain: p + o.ln1Gain, mean: a.ln1Mean.pointer,
                inverseStd: a.ln1InverseStd.pointer, partials: g.normPartials.pointer, fallbackScratch: g.normalized.pointer)
            normalizedConv1DBackward(
                layer, .attentionInput, layerNorm: ln1, weightGradient: grad(o.attentionWeight, on),
                biasGradient: grad(o.attentionBias, on), outputGradient: g.qkv.pointer, input: a.ln1.pointer,
                weight: p + o.attentionWeight, rows: rows, outputWidth: 3 * C, workspace: ws)
        }
        adapters?.promptBackward(residualGradient: dResidual, count: count, positions: T)
        // With a soft prompt the token rows are not laid out as TokenEmbedding expects; the
        // base is frozen then (see `attach`), so nothing below needs them.
        guard promptPositions == 0, trainable.readIn || trainable.positionEmbedding else { return }
        TokenEmbedding.backward(
            weightGradient: grad(offsets.readInWeight, trainable.readIn), biasGradient: grad(offsets.readInBias, trainable.readIn),
            positionEmbeddingGradient: offsets.positionEmbedding.flatMap { grad($0, trainable.positionEmbedding) },
            outputGradient: dResidual, tokens: ws.tokens.pointer, ones: ones,
            batch: count, positions: T, width: C, inputWidth: configuration.inputDimension, executor: executor)
    }

    /// Backward through `projectionAndMLPForward` of `layer` on `rows` rows: from the
    /// gradient at the block's output in `residualGradient` (overwritten by the gradient at
    /// residual_mid, where the attention's skip connection adds to it) to the gradient at the
    /// attention output in `attentionGradient`.
    private func projectionAndMLPBackward(
        _ layer: Int, residualGradient dResidual: UnsafeMutablePointer<Float>, attention: UnsafePointer<Float>,
        attentionGradient: UnsafeMutablePointer<Float>, rows: Int, workspace ws: ActivationWorkspace
    ) {
        guard let g = ws.gradients else { return }
        let C = configuration.embedding, p = parameters.pointer, d = gradients.pointer
        let on = trainable.blocks[layer], o = offsets.blocks[layer], a = ws.block(layer)
        let ones = g.ones.pointer, partials = g.parameterPartials.pointer
        func grad(_ offset: Int) -> UnsafeMutablePointer<Float>? { on ? d + offset : nil }
        // MLP: residual_out = residual_mid + c_proj(gelu(c_fc(ln_2(residual_mid))))
        // Unless a LoRA adapter on c_proj adds to the gradient at GELU's output, GELU's
        // backward runs inside c_proj's input-gradient GEMM and fcGelu receives the gradient
        // at c_fc's output.
        let loraOnProjection = adapters?.hasLoRA(layer: layer, target: .mlpOutput) ?? false
        Conv1D.backward(
            inputGradient: g.fcGelu.pointer,
            weightGradient: grad(o.mlpProjectionWeight), biasGradient: grad(o.mlpProjectionBias),
            outputGradient: dResidual, input: a.fcGelu.pointer, weight: p + o.mlpProjectionWeight,
            geluSlope: loraOnProjection ? nil : a.fc.pointer, ones: ones, partials: partials,
            rows: rows, inputWidth: 4 * C, outputWidth: C, executor: executor)
        let preActivationGradient = loraOnProjection ? g.fc.pointer : g.fcGelu.pointer
        if loraOnProjection {
            backwardLoRA(
                layer, .mlpOutput, inputGradient: g.fcGelu.pointer, outputGradient: dResidual,
                input: a.fcGelu.pointer, rows: rows, workspace: ws)
            GELU.backward(inputGradient: g.fc.pointer, outputGradient: g.fcGelu.pointer, slope: a.fc.pointer, count: rows * 4 * C, executor: executor)
        }
        let ln2 = LayerNorm.BackwardOperands(
            inputGradient: dResidual, gainGradient: grad(o.ln2Gain), biasGradient: grad(o.ln2Bias),
            input: a.residualMid.pointer, gain: p + o.ln2Gain, mean: a.ln2Mean.pointer,
            inverseStd: a.ln2InverseStd.pointer, partials: g.normPartials.pointer, fallbackScratch: g.normalized.pointer)
        normalizedConv1DBackward(
            layer, .mlpInput, layerNorm: ln2, weightGradient: grad(o.mlpWeight), biasGradient: grad(o.mlpBias),
            outputGradient: preActivationGradient, input: a.ln2.pointer, weight: p + o.mlpWeight,
            rows: rows, outputWidth: 4 * C, workspace: ws)
        // residual_mid = residual_in + c_proj(attention)
        Conv1D.backward(
            inputGradient: attentionGradient,
            weightGradient: grad(o.attentionProjectionWeight), biasGradient: grad(o.attentionProjectionBias),
            outputGradient: dResidual, input: attention, weight: p + o.attentionProjectionWeight, ones: ones, partials: partials,
            rows: rows, inputWidth: C, outputWidth: C, executor: executor)
        backwardLoRA(
            layer, .attentionOutput, inputGradient: attentionGradient, outputGradient: dResidual,
            input: attention, rows: rows, workspace: ws)
    }

    // MARK: Input checks

    private func check(_ batch: PromptBatch) throws {
        guard batch.count > 0 else { throw ModelInputError("the batch has no prompts: expected at least 1") }
        guard batch.inputDimension == configuration.inputDimension else {
            throw ModelInputError("prompts have x of width \(batch.inputDimension); this model reads width \(configuration.inputDimension)")
        }
        guard batch.points >= 1, batch.points <= configuration.points else {
            throw ModelInputError("prompts have \(batch.points) points; this model takes 1 to \(configuration.points)")
        }
        if let adapters, promptPositions + 2 * batch.points > configuration.positions {
            throw ModelInputError("a soft prompt of \(adapters.promptPairs) pairs and \(batch.points) points need \(promptPositions + 2 * batch.points) positions; this model has \(configuration.positions), so at most \(configuration.points - adapters.promptPairs) points fit after the prompt")
        }
        guard batch.xs.count == batch.count * batch.points * batch.inputDimension, batch.ys.count == batch.count * batch.points else {
            throw ModelInputError("batch arrays hold \(batch.xs.count) xs and \(batch.ys.count) ys; [\(batch.count), \(batch.points), \(batch.inputDimension)] needs \(batch.count * batch.points * batch.inputDimension) and \(batch.count * batch.points)")
        }
    }
}

/// Which parameter groups train, in the shape the backward pass asks about them.
struct TrainableGroups {
    var readIn: Bool
    var positionEmbedding: Bool
    var blocks: [Bool]
    var lnf: Bool
    var readOut: Bool

    init(configuration: ModelConfiguration, frozen: Set<String>) {
        readIn = !frozen.contains("read_in")
        positionEmbedding = configuration.positionalEmbeddings && !frozen.contains("wpe")
        blocks = (0..<configuration.layers).map { !frozen.contains("h.\($0)") }
        lnf = !frozen.contains("ln_f")
        readOut = !frozen.contains("read_out")
    }

    /// Whether anything at block `block` or below (blocks ..., the embedding) trains; block ==
    /// layers asks about ln_f and everything below it.
    func anyAtOrBelow(block: Int) -> Bool {
        if readIn || positionEmbedding { return true }
        if block >= blocks.count && lnf { return true }
        return blocks.prefix(min(block + 1, blocks.count)).contains(true)
    }
}
