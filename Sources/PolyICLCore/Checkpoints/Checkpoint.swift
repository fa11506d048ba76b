import Foundation

/// A model's architecture, weights and training history, as saved in a safetensors file.
public struct Checkpoint: Sendable, Equatable {
    public var configuration: ModelConfiguration
    /// Every parameter, flat, in `configuration.parameterLayout` order and PyTorch layouts.
    public var parameters: [Float]
    /// The training history as JSON text (nil if none was saved).
    public var trainingHistory: String?
    /// Other `__metadata__` entries, kept as they are (PolyICL's own keys are not in here).
    public var metadata: [String: String]
    /// What a training run needs to continue exactly (nil: the file holds a model only).
    public var trainingState: TrainingState?

    public init(configuration: ModelConfiguration, parameters: [Float], trainingHistory: String? = nil,
                metadata: [String: String] = [:], trainingState: TrainingState? = nil) {
        self.configuration = configuration
        self.parameters = parameters
        self.trainingHistory = trainingHistory
        self.metadata = metadata
        self.trainingState = trainingState
    }
}

/// Saves and loads ``Checkpoint``s as safetensors files with the exact PyTorch state-dict
/// names and layouts of Garg et al.'s `TransformerModel`.
///
/// `__metadata__` holds the architecture under Hugging Face GPT2Config names — `n_embd`,
/// `n_layer`, `n_head`, `n_positions` (token positions, 2 x points, as Garg's code builds
/// its GPT2Config) — and `n_dims` (Garg's name for the width of x), `n_points`,
/// `position_embeddings` ("true"/"false"), `format` = "polyicl", and `training_history`
/// (JSON text). Files without these entries (saved from PyTorch) load too; see ``load(_:heads:points:)``.
///
/// A checkpoint with a ``TrainingState`` also holds, for resuming: the `training_state`
/// entry (JSON: `version`, `completed_steps`, `settings`, `generator` as four hexadecimal
/// words, `optimizer_step`, `task`, `source`, `threads`) and, for Adam, the tensors
/// `training_state.exp_avg` and `training_state.exp_avg_sq` (torch.optim.Adam's names for the
/// moments), each of shape [parameters] in the parameter layout's order. PyTorch loads the
/// model from such a file after dropping the tensors whose names start with `training_state.`.
public enum CheckpointFile {
    static let formatName = "polyicl"
    static let reservedKeys: Set<String> = [
        "format", "n_embd", "n_layer", "n_head", "n_positions", "n_dims", "n_points", "position_embeddings", "training_history",
        TrainingStateEncoding.metadataKey,
    ]

    /// Writes atomically: the previous file survives any failure.
    public static func save(_ checkpoint: Checkpoint, to url: URL) throws {
        try Safetensors.write(contents(of: checkpoint, file: url.path), to: url)
    }

    /// `save` with a hook that runs once the new file is completely written and flushed,
    /// just before it replaces the old one; an error thrown there abandons the save and
    /// leaves the old file as it was (tests use it to simulate an interrupted save).
    public static func save(_ checkpoint: Checkpoint, to url: URL, beforeReplacing: () throws -> Void) throws {
        try Safetensors.write(contents(of: checkpoint, file: url.path), to: url, beforeRename: beforeReplacing)
    }

    /// The safetensors contents of a checkpoint; `file` names it in errors.
    public static func contents(of checkpoint: Checkpoint, file: String) throws -> SafetensorsFile {
        let configuration = checkpoint.configuration
        do { try configuration.validate() } catch {
            throw FileFormatError(file: file, problem: "cannot save an invalid configuration: \(error)")
        }
        guard checkpoint.parameters.count == configuration.parameterCount else {
            throw FileFormatError(file: file, problem: "cannot save \(checkpoint.parameters.count) parameters for a model that has \(configuration.parameterCount)")
        }
        // What load would refuse is never written (a diverged model's NaNs, say).
        if let bad = checkpoint.parameters.firstIndex(where: { !$0.isFinite }) {
            let tensor = configuration.parameterLayout.first { $0.offset <= bad && bad < $0.offset + $0.count }
            throw FileFormatError(file: file, problem: "cannot save a model holding a non-finite weight (\(checkpoint.parameters[bad]) in '\(tensor?.name ?? "?")'): it could not be loaded back")
        }
        var tensors = configuration.parameterLayout.map { spec in
            SafetensorsTensor(name: spec.name, shape: spec.shape, floats: Array(checkpoint.parameters[spec.offset..<(spec.offset + spec.count)]))
        }
        var metadata = checkpoint.metadata.filter { !reservedKeys.contains($0.key) }
        metadata["format"] = formatName
        metadata["n_embd"] = "\(configuration.embedding)"
        metadata["n_layer"] = "\(configuration.layers)"
        metadata["n_head"] = "\(configuration.heads)"
        metadata["n_positions"] = "\(configuration.positions)"
        metadata["n_dims"] = "\(configuration.inputDimension)"
        metadata["n_points"] = "\(configuration.points)"
        metadata["position_embeddings"] = configuration.positionalEmbeddings ? "true" : "false"
        if let history = checkpoint.trainingHistory { metadata["training_history"] = history }
        if let state = checkpoint.trainingState {
            metadata[TrainingStateEncoding.metadataKey] = try TrainingStateEncoding.metadata(state, parameterCount: configuration.parameterCount, file: file)
            tensors += TrainingStateEncoding.tensors(state)
        }
        return SafetensorsFile(tensors: tensors, metadata: metadata)
    }

    /// Loads a checkpoint. The architecture comes from the tensor shapes (width and input
    /// width from `_read_in.weight`, layers from the `_backbone.h.{i}` blocks, points from
    /// `_backbone.wpe.weight`); the head count, which shapes cannot tell, from the `n_head`
    /// metadata entry or else `heads`. Without position embeddings, points come from
    /// `n_points`/`n_positions` metadata or else `points`. A value given both ways must agree.
    /// Tensors that Hugging Face GPT-2 state dicts carry but the model does not use
    /// (`_backbone.wte.weight`, the `attn.bias` / `attn.masked_bias` mask buffers) are ignored.
    public static func load(_ url: URL, heads: Int? = nil, points: Int? = nil) throws -> Checkpoint {
        try checkpoint(from: Safetensors.read(url), file: url.path, heads: heads, points: points)
    }

    public static func checkpoint(from contents: SafetensorsFile, file: String, heads: Int? = nil, points: Int? = nil) throws -> Checkpoint {
        func fail(_ problem: String) -> FileFormatError { FileFormatError(file: file, problem: problem) }
        let metadata = contents.metadata
        func metadataInteger(_ key: String) throws -> Int? {
            guard let text = metadata[key] else { return nil }
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
                throw fail("metadata \(key)=\"\(text)\" is not an integer")
            }
            return value
        }
        func shapeText(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }

        guard let readIn = contents["_read_in.weight"] else {
            throw fail("tensor '_read_in.weight' is missing: this is not a PolyICL / TransformerModel checkpoint (it has \(contents.tensors.prefix(5).map(\.name).joined(separator: ", "))\(contents.tensors.count > 5 ? ", ..." : ""))")
        }
        guard readIn.shape.count == 2 else {
            throw fail("tensor '_read_in.weight' has shape \(shapeText(readIn.shape)); expected [n_embd, n_dims]")
        }
        let embedding = readIn.shape[0], inputDimension = readIn.shape[1]
        var layers = 0
        while contents["_backbone.h.\(layers).ln_1.weight"] != nil { layers += 1 }
        guard layers > 0 else { throw fail("no transformer blocks: tensor '_backbone.h.0.ln_1.weight' is missing") }

        let positionTensor = contents["_backbone.wpe.weight"]
        let positionalEmbeddings = positionTensor != nil
        if let flag = metadata["position_embeddings"], (flag == "true") != positionalEmbeddings {
            throw fail("metadata says position_embeddings=\(flag) but tensor '_backbone.wpe.weight' is \(positionalEmbeddings ? "present" : "missing")")
        }
        let metadataPoints = try metadataInteger("n_points") ?? metadataInteger("n_positions").map { $0 / 2 }
        var pointCount: Int
        if let positionTensor {
            guard positionTensor.shape.count == 2, positionTensor.shape[0] % 2 == 0, positionTensor.shape[0] > 0 else {
                throw fail("tensor '_backbone.wpe.weight' has shape \(shapeText(positionTensor.shape)); expected [2 x points, n_embd]")
            }
            pointCount = positionTensor.shape[0] / 2
            if let metadataPoints, metadataPoints != pointCount {
                throw fail("metadata gives \(metadataPoints) points but '_backbone.wpe.weight' has \(positionTensor.shape[0]) positions (\(pointCount) points)")
            }
            if let points, points != pointCount {
                throw fail("has position embeddings for \(pointCount) points; \(points) points were asked for")
            }
        } else if let known = metadataPoints ?? points {
            if let metadataPoints, let points, metadataPoints != points {
                throw fail("metadata gives \(metadataPoints) points but \(points) were asked for")
            }
            pointCount = known
        } else {
            throw fail("has no position embeddings and no n_points/n_positions metadata: give the number of points (--points)")
        }

        let headCount: Int
        switch (try metadataInteger("n_head"), heads) {
        case (let fromFile?, let given?) where fromFile != given:
            throw fail("metadata says n_head=\(fromFile) but \(given) heads were asked for")
        case (let fromFile?, _): headCount = fromFile
        case (nil, let given?): headCount = given
        case (nil, nil):
            throw fail("the head count cannot be inferred from tensor shapes and the file has no n_head metadata: give it (--heads)")
        }

        for (key, inferred) in [("n_embd", embedding), ("n_layer", layers), ("n_dims", inputDimension)] {
            if let value = try metadataInteger(key), value != inferred {
                throw fail("metadata says \(key)=\(value) but the tensors say \(inferred)")
            }
        }

        let configuration = ModelConfiguration(
            embedding: embedding, layers: layers, heads: headCount, points: pointCount,
            inputDimension: inputDimension, positionalEmbeddings: positionalEmbeddings)
        do { try configuration.validate() } catch {
            throw fail("the architecture it describes is not valid: \(error)")
        }

        let layout = configuration.parameterLayout
        var parameters = [Float](repeating: 0, count: configuration.parameterCount)
        for spec in layout {
            guard let tensor = contents[spec.name] else {
                throw fail("tensor '\(spec.name)' is missing (expected shape \(shapeText(spec.shape)))")
            }
            guard tensor.shape == spec.shape else {
                throw fail("tensor '\(spec.name)' has shape \(shapeText(tensor.shape)); expected \(shapeText(spec.shape))")
            }
            let values = tensor.floats
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw fail("tensor '\(spec.name)' holds a non-finite value (\(values[bad])) at flat index \(bad)")
            }
            parameters.replaceSubrange(spec.offset..<(spec.offset + spec.count), with: values)
        }
        let expected = Set(layout.map(\.name))
        let extra = contents.tensors.map(\.name).filter {
            !expected.contains($0) && !isUnusedGPT2Tensor($0) && !$0.hasPrefix(TrainingStateEncoding.tensorPrefix)
        }
        if !extra.isEmpty {
            throw fail("unexpected tensor\(extra.count > 1 ? "s" : "") \(extra.prefix(5).map { "'\($0)'" }.joined(separator: ", "))\(extra.count > 5 ? " and \(extra.count - 5) more" : "") for a model with \(layers) layers, width \(embedding)")
        }
        return Checkpoint(
            configuration: configuration, parameters: parameters,
            trainingHistory: metadata["training_history"],
            metadata: metadata.filter { !reservedKeys.contains($0.key) },
            trainingState: try TrainingStateEncoding.state(from: contents, parameterCount: configuration.parameterCount, file: file))
    }

    /// Hugging Face GPT-2 tensors that `TransformerModel` never uses: the token embedding
    /// (inputs come through `inputs_embeds`) and the causal-mask buffers of older versions.
    static func isUnusedGPT2Tensor(_ name: String) -> Bool {
        if name == "_backbone.wte.weight" { return true }
        guard name.hasPrefix("_backbone.h.") else { return false }
        return name.hasSuffix(".attn.bias") || name.hasSuffix(".attn.masked_bias")
    }
}
