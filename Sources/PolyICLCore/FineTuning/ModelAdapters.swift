/// The trainable additions of parameter-efficient fine-tuning, attached to a frozen
/// ``TransformerModel``: LoRA adapters on chosen Conv1D matrices of every block and/or a soft
/// prompt of P learned (x, y) embedding pairs.
///
/// LoRA on a Conv1D matrix W [in, out] (Hugging Face layout), as peft with
/// `fan_in_fan_out=True`: output = x W + b + scale * (x A^T) B^T with A [r, in], B [out, r],
/// scale = alpha / r; so the merged weight is W + scale * (B A)^T. A starts Kaiming-uniform
/// (`kaiming_uniform_(a=sqrt(5))`: U(-1/sqrt(in), 1/sqrt(in))), B at zero.
///
/// Soft prompt: 2P vectors of width d written into the residual stream before the prompt's
/// tokens, at positions 0 ..< 2P (so they get `wpe[0 ..< 2P]` added, as `inputs_embeds` do
/// in Hugging Face GPT-2), the real tokens following at positions 2P ..< 2P + 2 * points;
/// predictions are read at the real x positions only. Vector 2j is pair j's x, 2j + 1 its y.
/// They start as read_in of N(0, 1) tokens (x: every input coordinate N(0, 1); y: (z, 0, ...)).
///
/// All adapter parameters sit in one flat buffer (with a gradient buffer of the same
/// layout): per block, per target in block order, A then B; then the prompt [2P, d].
public final class ModelAdapters {
    public let configuration: ModelConfiguration
    public let lora: LoRASettings?
    public let promptPairs: Int
    let parameters: FloatBuffer
    let gradients: FloatBuffer
    /// loraOffsets[layer][target]: where A starts; B follows it.
    let loraOffsets: [[LoRATarget: Int]]
    let promptOffset: Int
    /// Per-row low-rank activations x A^T and their gradients, grown on demand.

    /// Builds adapters for `model` (whose read_in initialises the soft prompt); no LoRA and
    /// 0 pairs give empty adapters (the base model, frozen). Draws, in
    /// order: every A (layers in order, targets in block order, row-major), then for each
    /// prompt pair the x token's coordinates and the y scalar, N(0, 1).
    public init(model: TransformerModel, lora: LoRASettings?, softPromptPairs: Int = 0, generator: inout RandomGenerator) throws {
        let configuration = model.configuration
        let d = configuration.embedding
        if let lora { try lora.validate(width: d) }
        guard softPromptPairs >= 0, softPromptPairs < configuration.points else {
            throw FineTuningError("soft prompt of \(softPromptPairs) pairs is not valid: expected 0 to \(configuration.points - 1) (the model has \(configuration.positions) positions, \(configuration.points) points, and at least one real point must fit after the prompt)")
        }
        self.configuration = configuration
        self.lora = lora
        promptPairs = softPromptPairs
        var offset = 0
        var loraOffsets: [[LoRATarget: Int]] = []
        for _ in 0..<configuration.layers {
            var block: [LoRATarget: Int] = [:]
            for target in lora?.orderedTargets ?? [] {
                block[target] = offset
                let shape = target.shape(width: d)
                offset += (lora?.rank ?? 0) * (shape.input + shape.output)
            }
            loraOffsets.append(block)
        }
        self.loraOffsets = loraOffsets
        promptOffset = offset
        offset += 2 * softPromptPairs * d
        parameters = FloatBuffer(count: offset)
        gradients = FloatBuffer(count: offset)

        if let lora {
            for layer in 0..<configuration.layers {
                for target in lora.orderedTargets {
                    guard let a = loraOffsets[layer][target] else { continue }
                    let input = target.shape(width: d).input
                    let bound = 1 / Double(input).squareRoot()
                    for i in 0..<(lora.rank * input) { parameters[a + i] = Float(generator.nextUniform(-bound, bound)) }
                }
            }
        }
        if softPromptPairs > 0 {
            let n = configuration.inputDimension
            var tokens = [Float](repeating: 0, count: 2 * softPromptPairs * n)
            for pair in 0..<softPromptPairs {
                for k in 0..<n { tokens[2 * pair * n + k] = Float(generator.nextNormal()) }
                tokens[(2 * pair + 1) * n] = Float(generator.nextNormal())
            }
            let vectors = model.readIn(tokens: tokens)
            for i in vectors.indices { parameters[promptOffset + i] = vectors[i] }
        }
    }

    // MARK: Parameters

    /// Trainable parameters: 12,288 for `standard` with rank-4 LoRA on c_attn; 256 per prompt pair at d = 128.
    public var parameterCount: Int { parameters.count }

    /// Positions the soft prompt takes before the real tokens (2P).
    public var promptPositions: Int { 2 * promptPairs }

    public var parameterValues: [Float] { parameters.array }

    /// Replaces all adapter parameters (layout as in the type's description).
    public func setParameters(_ values: [Float]) throws {
        guard values.count == parameters.count else {
            throw FineTuningError("adapter parameter count \(values.count) does not match these adapters' \(parameters.count)")
        }
        for i in values.indices { parameters[i] = values[i] }
    }

    public func withParameters<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(parameters.buffer)
    }

    /// Gradients of the last training step (same layout as the parameters).
    public func withGradients<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(gradients.buffer)
    }

    /// The soft prompt's 2P vectors, [2P][d].
    public var promptVectors: [[Float]] {
        let d = configuration.embedding
        return (0..<promptPositions).map { t in (0..<d).map { parameters[promptOffset + t * d + $0] } }
    }

    /// Replaces the soft prompt's vectors ([2P][d]).
    public func setPromptVectors(_ vectors: [[Float]]) throws {
        let d = configuration.embedding
        guard vectors.count == promptPositions, vectors.allSatisfy({ $0.count == d }) else {
            throw FineTuningError("soft prompt vectors: expected \(promptPositions) vectors of width \(d), got \(vectors.count) of widths \(Set(vectors.map(\.count)).sorted())")
        }
        for (t, vector) in vectors.enumerated() {
            for j in 0..<d { parameters[promptOffset + t * d + j] = vector[j] }
        }
    }

    /// Whether the backward pass must reach block `block` (or the embedding, for any block
    /// index) for these adapters' gradients.
    func needsGradient(atOrBelow block: Int) -> Bool {
        if promptPairs > 0 { return true }
        guard lora != nil else { return false }
        return block >= 0 && !loraOffsets.prefix(min(block + 1, loraOffsets.count)).allSatisfy(\.isEmpty)
    }

    /// Whether `target` of block `layer` carries a LoRA adapter.
    func hasLoRA(layer: Int, target: LoRATarget) -> Bool {
        lora != nil && loraOffsets[layer][target] != nil
    }

    /// Floats of scratch `loraForward` and `loraBackward` need for `rows` rows. The scratch
    /// belongs to the caller's workspace, so passes over different workspaces can run at once.
    func loraScratchCount(rows: Int) -> Int { 2 * rows * (lora?.rank ?? 0) }

    // MARK: LoRA forward and backward

    /// output[rows, out] += scale * (input A^T) B^T, when `target` of `layer` has an adapter.
    func loraForward(
        layer: Int, target: LoRATarget, output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
        rows: Int, scratch: UnsafeMutablePointer<Float>, executor: ParallelExecutor
    ) {
        guard let lora, let a = loraOffsets[layer][target] else { return }
        let r = lora.rank, (n, m) = target.shape(width: configuration.embedding)
        let A = parameters.pointer + a, B = A + r * n, u = scratch
        // u[rows, r] = input[rows, in] A^T
        ParallelGemm.multiply(
            transposeA: false, transposeB: true, m: rows, n: r, k: n,
            alpha: 1, a: input, lda: n, b: A, ldb: n, beta: 0, c: u, ldc: r, executor: executor)
        // output[rows, out] += scale * u B^T
        ParallelGemm.multiply(
            transposeA: false, transposeB: true, m: rows, n: m, k: r,
            alpha: lora.scale, a: u, lda: r, b: B, ldb: r, beta: 1, c: output, ldc: m, executor: executor)
    }

    /// Accumulates dA, dB and adds the adapter's share to `inputGradient` (which the base
    /// layer's backward has just written), given the layer's input and output gradient.
    func loraBackward(
        layer: Int, target: LoRATarget, inputGradient: UnsafeMutablePointer<Float>,
        outputGradient: UnsafePointer<Float>, input: UnsafePointer<Float>, rows: Int,
        scratch: UnsafeMutablePointer<Float>, executor: ParallelExecutor
    ) {
        guard let lora, let a = loraOffsets[layer][target] else { return }
        let r = lora.rank, (n, m) = target.shape(width: configuration.embedding)
        let A = parameters.pointer + a, B = A + r * n
        let dA = gradients.pointer + a, dB = dA + r * n
        let u = scratch, du = scratch + rows * r
        // Recompute u = x A^T (rows x r: cheaper than keeping one per layer and target).
        ParallelGemm.multiply(
            transposeA: false, transposeB: true, m: rows, n: r, k: n,
            alpha: 1, a: input, lda: n, b: A, ldb: n, beta: 0, c: u, ldc: r, executor: executor)
        // dB[out, r] += scale * dOut^T u
        ParallelGemm.multiply(
            transposeA: true, transposeB: false, m: m, n: r, k: rows,
            alpha: lora.scale, a: outputGradient, lda: m, b: u, ldb: r, beta: 1, c: dB, ldc: r, executor: executor)
        // du[rows, r] = scale * dOut B
        ParallelGemm.multiply(
            transposeA: false, transposeB: false, m: rows, n: r, k: m,
            alpha: lora.scale, a: outputGradient, lda: m, b: B, ldb: r, beta: 0, c: du, ldc: r, executor: executor)
        // dA[r, in] += du^T x
        ParallelGemm.multiply(
            transposeA: true, transposeB: false, m: r, n: n, k: rows,
            alpha: 1, a: du, lda: r, b: input, ldb: n, beta: 1, c: dA, ldc: n, executor: executor)
        // dx[rows, in] += du A
        ParallelGemm.multiply(
            transposeA: false, transposeB: false, m: rows, n: n, k: r,
            alpha: 1, a: du, lda: r, b: A, ldb: n, beta: 1, c: inputGradient, ldc: n, executor: executor)
    }

    /// scale * (B A)^T, [in, out]: what merging adds to the Conv1D weight of `target` in `layer`.
    func loraDelta(layer: Int, target: LoRATarget) -> [Float]? {
        guard let lora, let a = loraOffsets[layer][target] else { return nil }
        let r = lora.rank, (n, m) = target.shape(width: configuration.embedding)
        let A = parameters.pointer + a, B = A + r * n
        var delta = [Float](repeating: 0, count: n * m)
        for i in 0..<n {
            for o in 0..<m {
                var sum: Float = 0
                for k in 0..<r { sum += B[o * r + k] * A[k * n + i] }
                delta[i * m + o] = lora.scale * sum
            }
        }
        return delta
    }

    // MARK: Soft prompt forward and backward

    /// The residual stream's first state with the prompt in front: for each sequence, rows
    /// 0 ..< 2P are prompt[t] + wpe[t], rows 2P ..< T are read_in(token) + wpe[t].
    /// `tokens` is [count, T - 2P, inputWidth] as `TokenEmbedding.interleave` writes it.
    func embed(
        output: UnsafeMutablePointer<Float>, tokens: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, positionEmbedding: UnsafePointer<Float>?,
        count: Int, positions T: Int, width C: Int, inputWidth: Int, executor: ParallelExecutor
    ) {
        let prefix = promptPositions, real = T - prefix
        let prompt = UnsafePointer(parameters.pointer + promptOffset)
        executor.forEachChunk(count: count * T, minimumPerWorker: 256) { range, _ in
            for row in range {
                let s = row / T, t = row % T
                let out = output + row * C
                if t < prefix {
                    out.update(from: prompt + t * C, count: C)
                } else {
                    out.update(from: bias, count: C)
                    let token = tokens + (s * real + t - prefix) * inputWidth
                    for k in 0..<inputWidth {
                        let value = token[k]
                        for j in 0..<C { out[j] += weight[j * inputWidth + k] * value }
                    }
                }
                if let positionEmbedding {
                    let pe = positionEmbedding + t * C
                    for j in 0..<C { out[j] += pe[j] }
                }
            }
        }
    }

    /// dPrompt[t] += sum over sequences of dResidual[s, t] for the prompt rows.
    func promptBackward(residualGradient: UnsafePointer<Float>, count: Int, positions T: Int) {
        guard promptPairs > 0 else { return }
        let C = configuration.embedding
        let dPrompt = gradients.pointer + promptOffset
        for s in 0..<count {
            for t in 0..<promptPositions {
                let source = residualGradient + (s * T + t) * C, target = dPrompt + t * C
                for j in 0..<C { target[j] += source[j] }
            }
        }
    }
}
