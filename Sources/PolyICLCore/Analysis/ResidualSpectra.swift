/// Whether each prompt's hidden-state matrix is centred before its SVD.
public enum HiddenStateCentring: String, Sendable, Hashable, Codable, CaseIterable {
    /// The raw (positions x features) matrix. The default: the paper speaks of the singular
    /// vectors of the representations themselves, and the mean direction that prompts of one
    /// distribution share (usually the top singular vector of the raw matrix) is part of what
    /// such a signature would detect.
    case none
    /// Each feature (column) minus its mean over the prompt's positions: the SVD then
    /// describes how the representation varies along the prompt (PCA over positions).
    case positions = "centred"
}

/// What to keep of each prompt's residual-stream SVD.
public struct SpectrumSettings: Sendable, Hashable, Codable {
    /// Right singular vectors kept per prompt and layer (the signature uses the top 2).
    public var topVectors: Int
    public var centring: HiddenStateCentring

    public init(topVectors: Int = 2, centring: HiddenStateCentring = .none) {
        self.topVectors = topVectors
        self.centring = centring
    }
}

/// Singular values and top right singular vectors of every prompt's hidden-state matrix
/// (2 * points positions x `width` features) at every layer: layer 0 is the embedding (the
/// input of block 1), layer l the output of block l (before `ln_f`), as
/// ``TransformerModel/hiddenStates(_:)`` gives them. All positions are used, x and y tokens.
public struct ResidualSpectra: Sendable, Equatable {
    /// Layers + 1 (the embedding and every block's output).
    public let layerCount: Int
    public private(set) var promptCount: Int
    public let positions: Int
    public let width: Int
    /// min(positions, width): singular values per matrix.
    public let rank: Int
    /// Right singular vectors kept per matrix (settings.topVectors clamped to `rank`).
    public let topVectors: Int
    public let settings: SpectrumSettings
    /// singularValues[layer][prompt * rank + i], largest first.
    public private(set) var singularValues: [[Double]]
    /// vectorEntries[layer][(prompt * topVectors + j) * width + c], unit vectors, sign as
    /// ``RightSingularSystem/vectors``.
    public private(set) var vectorEntries: [[Double]]
    /// Sum over prompts of each layer's (centred, if asked) hidden-state matrix,
    /// [layer][position * width + feature]: divided by `promptCount`, the mean matrix.
    public private(set) var stateSums: [[Double]]

    /// An empty collection for prompts of `points` points through a model of `layers`
    /// blocks and width `width`.
    public init(layers: Int, points: Int, width: Int, settings: SpectrumSettings) {
        layerCount = layers + 1
        promptCount = 0
        positions = 2 * points
        self.width = width
        rank = min(2 * points, width)
        topVectors = min(max(0, settings.topVectors), rank)
        self.settings = settings
        singularValues = [[Double]](repeating: [], count: layers + 1)
        vectorEntries = [[Double]](repeating: [], count: layers + 1)
        stateSums = [[Double]](repeating: [Double](repeating: 0, count: 2 * points * width), count: layers + 1)
    }

    /// Runs `batch` through `model` and appends the spectra of its prompts (the SVDs run in
    /// parallel on the model's threads).
    public mutating func capture(model: TransformerModel, batch: PromptBatch) throws {
        guard 2 * batch.points == positions, model.configuration.embedding == width, model.configuration.layers + 1 == layerCount else {
            throw AnalysisError("spectra of \(positions / 2)-point prompts through \(layerCount - 1) layers of width \(width) cannot take \(batch.points)-point prompts through \(model.configuration.layers) layers of width \(model.configuration.embedding)")
        }
        guard settings.topVectors >= 0 else {
            throw AnalysisError("top vectors \(settings.topVectors): expected 0 or more")
        }
        let states = try model.hiddenStates(batch)
        let count = batch.count, matrixSize = positions * width
        for layer in 0..<layerCount {
            var values = [Double](repeating: 0, count: count * rank)
            var vectors = [Double](repeating: 0, count: count * topVectors * width)
            var matrices = [Double](repeating: 0, count: count * matrixSize)
            for k in 0..<(count * matrixSize) { matrices[k] = Double(states[layer][k]) }
            if settings.centring == .positions {
                for prompt in 0..<count { Self.centreColumns(&matrices, offset: prompt * matrixSize, rows: positions, columns: width) }
            }
            for prompt in 0..<count {
                let base = prompt * matrixSize
                for k in 0..<matrixSize { stateSums[layer][k] += matrices[base + k] }
            }
            let failure = try decomposeAll(matrices, count: count, executor: model.executor, values: &values, vectors: &vectors)
            if let failure { throw failure }
            singularValues[layer] += values
            vectorEntries[layer] += vectors
        }
        promptCount += count
    }

    /// SVD of `count` stacked matrices in parallel; returns the first failure, if any.
    private func decomposeAll(
        _ matrices: [Double], count: Int, executor: ParallelExecutor, values: inout [Double], vectors: inout [Double]
    ) throws -> AnalysisError? {
        let (rows, columns, rank, top) = (positions, width, rank, topVectors)
        let matrixSize = rows * columns
        let workers = executor.workerCount(for: count, minimumPerWorker: 1)
        var failures = [AnalysisError?](repeating: nil, count: workers)
        let workspaces = try (0..<workers).map { _ in try SingularValueDecomposition(rows: rows, columns: columns) }
        matrices.withUnsafeBufferPointer { input in
            values.withUnsafeMutableBufferPointer { valuesOut in
                vectors.withUnsafeMutableBufferPointer { vectorsOut in
                    failures.withUnsafeMutableBufferPointer { failuresOut in
                        // Each worker writes only its own prompts' slots and its own failure slot.
                        executor.forEachChunk(count: count) { range, worker in
                            for prompt in range {
                                let matrix = UnsafeBufferPointer(rebasing: input[(prompt * matrixSize)..<((prompt + 1) * matrixSize)])
                                do {
                                    let system = try workspaces[worker].decompose(matrix, top: top)
                                    for i in 0..<rank { valuesOut[prompt * rank + i] = system.values[i] }
                                    for j in 0..<top {
                                        for c in 0..<columns { vectorsOut[(prompt * top + j) * columns + c] = system.vectors[j][c] }
                                    }
                                } catch {
                                    failuresOut[worker] = (error as? AnalysisError) ?? AnalysisError("\(error)")
                                    return
                                }
                            }
                        }
                    }
                }
            }
        }
        return failures.compactMap { $0 }.first
    }

    /// Subtracts each column's mean from that column of the row-major matrix at `offset`.
    static func centreColumns(_ matrix: inout [Double], offset: Int, rows: Int, columns: Int) {
        for c in 0..<columns {
            var sum = 0.0
            for r in 0..<rows { sum += matrix[offset + r * columns + c] }
            let mean = sum / Double(rows)
            for r in 0..<rows { matrix[offset + r * columns + c] -= mean }
        }
    }

    /// The singular values of one prompt at one layer, largest first.
    public func values(layer: Int, prompt: Int) -> ArraySlice<Double> {
        singularValues[layer][(prompt * rank)..<((prompt + 1) * rank)]
    }

    /// The top right singular vectors of one prompt at one layer.
    public func vectors(layer: Int, prompt: Int) -> [[Double]] {
        (0..<topVectors).map { j in
            let start = (prompt * topVectors + j) * width
            return Array(vectorEntries[layer][start..<(start + width)])
        }
    }

    /// The mean over prompts of each singular value at `layer` (empty with no prompts).
    public func meanValues(layer: Int) -> [Double] {
        guard promptCount > 0 else { return [] }
        var mean = [Double](repeating: 0, count: rank)
        for prompt in 0..<promptCount { for i in 0..<rank { mean[i] += singularValues[layer][prompt * rank + i] } }
        return mean.map { $0 / Double(promptCount) }
    }
}
