/// Every activation buffer of one forward (and backward) pass, allocated once for a maximum
/// (batch, positions) and reused for any smaller shape: tensors are laid out densely for the
/// actual shape, so a smaller batch or fewer points just use a prefix of each buffer.
///
/// A training workspace keeps every layer's activations for the backward pass; an inference
/// workspace keeps one layer's and two residual buffers, reused layer after layer.
final class ActivationWorkspace {
    /// Activations of one transformer block.
    struct Block {
        let ln1, ln1Mean, ln1InverseStd: FloatBuffer
        let qkv, attention, probabilities: FloatBuffer
        let residualMid: FloatBuffer
        let ln2, ln2Mean, ln2InverseStd: FloatBuffer
        /// c_fc's output; in a pass that keeps activations for a backward, GELU's slope there
        /// instead, once GELU has run (all GELU's backward needs).
        let fc: FloatBuffer
        let fcGelu: FloatBuffer

        /// `attentionCapacity`: floats of kept attention probabilities (0: not kept).
        init(rows: Int, width C: Int, attentionCapacity: Int) {
            ln1 = FloatBuffer(count: rows * C)
            ln1Mean = FloatBuffer(count: rows)
            ln1InverseStd = FloatBuffer(count: rows)
            qkv = FloatBuffer(count: rows * 3 * C)
            attention = FloatBuffer(count: rows * C)
            probabilities = FloatBuffer(count: attentionCapacity)
            residualMid = FloatBuffer(count: rows * C)
            ln2 = FloatBuffer(count: rows * C)
            ln2Mean = FloatBuffer(count: rows)
            ln2InverseStd = FloatBuffer(count: rows)
            fc = FloatBuffer(count: rows * 4 * C)
            fcGelu = FloatBuffer(count: rows * 4 * C)
        }
    }

    /// Gradient buffers of the backward pass, shared by all layers (llm.c style).
    struct Gradients {
        let residual, normalized, qkv, attention, fc, fcGelu, predictions: FloatBuffer
        let attentionScratch, normPartials, ones: FloatBuffer
        /// The last block's residual and attention-output gradients at the x rows only.
        let xRowResidual, xRowAttention: FloatBuffer
        /// Other workers' shares of a Conv1D's weight and bias gradients (Conv1D.backward).
        let parameterPartials: FloatBuffer

        init(rows: Int, width C: Int, positions: Int, threads: Int) {
            residual = FloatBuffer(count: rows * C)
            normalized = FloatBuffer(count: rows * C)
            qkv = FloatBuffer(count: rows * 3 * C)
            attention = FloatBuffer(count: rows * C)
            fc = FloatBuffer(count: rows * 4 * C)
            fcGelu = FloatBuffer(count: rows * 4 * C)
            predictions = FloatBuffer(count: rows)
            attentionScratch = FloatBuffer(count: threads * CausalSelfAttention.backwardScratchCount(positions: positions))
            normPartials = FloatBuffer(count: threads * 2 * C)
            parameterPartials = FloatBuffer(count: Conv1D.partialsCount(threads: threads, inputWidth: C, outputWidth: 4 * C))
            ones = FloatBuffer(count: rows)
            xRowResidual = FloatBuffer(count: (rows + 1) / 2 * C)
            xRowAttention = FloatBuffer(count: (rows + 1) / 2 * C)
            ones.pointer.update(repeating: 1, count: rows)
        }
    }

    let rowCapacity: Int
    /// Floats of attention probabilities each block keeps for the backward pass (training only).
    let attentionCapacity: Int
    let positionCapacity: Int
    let heads: Int
    let storesAllLayers: Bool
    let tokens: FloatBuffer
    /// Residual stream: entry l is the input of block l (0: the embedding). A training
    /// workspace has layers + 1 entries; an inference workspace two, used alternately.
    let residuals: [FloatBuffer]
    let blocks: [Block]
    let lnf, lnfMean, lnfInverseStd: FloatBuffer
    /// The last block's attention output, input residual and output at the x rows, gathered
    /// densely: after attention it runs on these rows only (ln_f and read_out read nothing else).
    let xRowAttention, xRowResidual, xRowOutput: FloatBuffer
    let predictions: FloatBuffer
    /// Per worker, where attention's forward computes each (sequence, head) in cache.
    let attentionScores: FloatBuffer
    let gradients: Gradients?
    private var loraBuffer = FloatBuffer(count: 0)

    init(configuration: ModelConfiguration, batch: Int, positions: Int, training: Bool, threads: Int) {
        let C = configuration.embedding
        let rows = batch * positions
        rowCapacity = rows
        let kept = training ? batch * configuration.heads * CausalSelfAttention.probabilityCount(positions: positions) : 0
        attentionCapacity = kept
        positionCapacity = positions
        heads = configuration.heads
        storesAllLayers = training
        tokens = FloatBuffer(count: rows * configuration.inputDimension)
        residuals = (0..<(training ? configuration.layers + 1 : 2)).map { _ in FloatBuffer(count: rows * C) }
        blocks = (0..<(training ? configuration.layers : 1)).map { _ in
            Block(rows: rows, width: C, attentionCapacity: kept)
        }
        // x rows are at most half of all rows (a soft prompt only adds rows).
        xRowAttention = FloatBuffer(count: (rows + 1) / 2 * C)
        xRowResidual = FloatBuffer(count: (rows + 1) / 2 * C)
        xRowOutput = FloatBuffer(count: (rows + 1) / 2 * C)
        lnf = FloatBuffer(count: rows * C)
        lnfMean = FloatBuffer(count: rows)
        lnfInverseStd = FloatBuffer(count: rows)
        predictions = FloatBuffer(count: rows)
        attentionScores = FloatBuffer(count: threads * CausalSelfAttention.forwardScratchCount(positions: positions))
        gradients = training ? Gradients(rows: rows, width: C, positions: positions, threads: threads) : nil
    }

    /// Largest number of sequences of `positions` positions one pass can hold.
    func sequenceCapacity(positions: Int) -> Int {
        guard positions <= positionCapacity else { return 0 }
        guard storesAllLayers else { return rowCapacity / positions }
        return min(rowCapacity / positions, attentionCapacity / (heads * CausalSelfAttention.probabilityCount(positions: positions)))
    }

    /// At least `count` floats for LoRA's intermediate products, grown on first need and kept
    /// (a workspace is used by one pass at a time, so its scratch is never shared).
    func loraScratch(count: Int) -> UnsafeMutablePointer<Float> {
        if loraBuffer.count < count { loraBuffer = FloatBuffer(count: count) }
        return loraBuffer.pointer
    }

    func block(_ layer: Int) -> Block { blocks[storesAllLayers ? layer : 0] }
    func residual(_ index: Int) -> FloatBuffer { residuals[storesAllLayers ? index : index % 2] }
}
