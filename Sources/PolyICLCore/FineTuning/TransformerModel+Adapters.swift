/// Attaching, merging and detaching fine-tuning adapters.
extension TransformerModel {
    /// Attaches `adapters` (built for this model's configuration) and freezes every base
    /// parameter group, read_in and read_out included: from now on training steps compute
    /// gradients for the adapters only (the base's weight-gradient GEMMs are skipped), and
    /// predictions include the adapters' effect.
    public func attach(_ adapters: ModelAdapters) throws {
        guard adapters.configuration == configuration else {
            throw FineTuningError("these adapters were built for a different model (\(adapters.configuration.embedding) wide, \(adapters.configuration.layers) layers, \(adapters.configuration.points) points); this model is \(configuration.embedding) wide, \(configuration.layers) layers, \(configuration.points) points")
        }
        try setFrozenGroups(Set(configuration.parameterGroups))
        self.adapters = adapters
    }

    /// Removes the adapters (the base weights are as they were unless LoRA was merged) and
    /// unfreezes the base. Returns what was attached.
    @discardableResult
    public func detachAdapters() throws -> ModelAdapters? {
        let detached = adapters
        adapters = nil
        try setFrozenGroups([])
        return detached
    }

    /// The base parameters with every LoRA update added in: W + scale * (B A)^T per adapted
    /// matrix (the model itself is unchanged). A checkpoint of these predicts as the model
    /// with LoRA attached does (a soft prompt cannot be merged: save it on its own).
    public func mergedParameters() -> [Float] {
        var values = parameterValues
        guard let adapters, adapters.lora != nil else { return values }
        for layer in 0..<configuration.layers {
            for target in LoRATarget.allCases {
                guard let delta = adapters.loraDelta(layer: layer, target: target) else { continue }
                let base = weightOffset(layer: layer, target: target)
                for i in delta.indices { values[base + i] += delta[i] }
            }
        }
        return values
    }

    /// Adds the LoRA updates into the base weights and drops the LoRA part of the adapters
    /// (a soft prompt stays attached). Returns the adapters that were merged.
    @discardableResult
    public func mergeLoRA() throws -> ModelAdapters? {
        guard let adapters, adapters.lora != nil else { return nil }
        try setParameters(mergedParameters())
        if adapters.promptPairs > 0 {
            let prompt = try ModelAdapters(promptOnlyCopyOf: adapters, model: self)
            try attach(prompt)
        } else {
            try detachAdapters()
        }
        return adapters
    }

    /// read_in applied to tokens ([n, inputDimension] row-major): [n * embedding], no position embedding.
    func readIn(tokens: [Float]) -> [Float] {
        let n = configuration.inputDimension, d = configuration.embedding
        let count = tokens.count / n
        let p = parameters.pointer
        var output = [Float](repeating: 0, count: count * d)
        for t in 0..<count {
            for j in 0..<d {
                var value = p[offsets.readInBias + j]
                for k in 0..<n { value += p[offsets.readInWeight + j * n + k] * tokens[t * n + k] }
                output[t * d + j] = value
            }
        }
        return output
    }

    /// read_in's weight [d, inputDimension] and bias [d].
    public var readInParameters: (weight: [Float], bias: [Float]) {
        let n = configuration.inputDimension, d = configuration.embedding
        let p = parameters.pointer
        return ((0..<(d * n)).map { p[offsets.readInWeight + $0] }, (0..<d).map { p[offsets.readInBias + $0] })
    }

    func weightOffset(layer: Int, target: LoRATarget) -> Int {
        let o = offsets.blocks[layer]
        switch target {
        case .attentionInput: return o.attentionWeight
        case .attentionOutput: return o.attentionProjectionWeight
        case .mlpInput: return o.mlpWeight
        case .mlpOutput: return o.mlpProjectionWeight
        }
    }
}

extension ModelAdapters {
    /// The soft prompt of `other` alone (what is left after merging its LoRA part).
    convenience init(promptOnlyCopyOf other: ModelAdapters, model: TransformerModel) throws {
        var unused = RandomGenerator(seed: 0)
        try self.init(model: model, lora: nil, softPromptPairs: other.promptPairs, generator: &unused)
        try setPromptVectors(other.promptVectors)
    }
}
