import Foundation

/// Saves and loads ``ModelAdapters`` on their own as safetensors, with the tensor names
/// Hugging Face peft writes for this model (`get_peft_model_state_dict`, adapter name dropped):
///
/// - LoRA: `base_model.model._backbone.h.{i}.attn.c_attn.lora_A.weight` [r, in] and
///   `...lora_B.weight` [out, r] (peft wraps the GPT-2 Conv1D with `fan_in_fan_out=True`:
///   lora_A/lora_B are `nn.Linear` weights, [out, in] each, and the merged weight is
///   W + scale * (B A)^T in Conv1D's [in, out] layout);
/// - soft prompt: `prompt_embeddings` [2P, d] (peft's prompt-tuning name; rows in position order).
///
/// `__metadata__` keeps what peft keeps in adapter_config.json: `r`, `lora_alpha`,
/// `target_modules` (comma-separated), `fan_in_fan_out` = "true", `num_virtual_tokens` (2P),
/// plus `format` = "polyicl-adapters" and the base model's `n_embd`, `n_layer`, `n_points`.
public enum AdapterFile {
    static let formatName = "polyicl-adapters"

    public static func loraName(layer: Int, target: LoRATarget, matrix: String) -> String {
        "base_model.model._backbone.h.\(layer).\(target.rawValue).\(matrix).weight"
    }

    public static let promptName = "prompt_embeddings"

    /// The adapters as named tensors and metadata.
    public static func contents(of adapters: ModelAdapters) -> SafetensorsFile {
        let d = adapters.configuration.embedding
        var tensors: [SafetensorsTensor] = []
        let values = adapters.parameterValues
        var metadata = [
            "format": formatName, "n_embd": "\(d)", "n_layer": "\(adapters.configuration.layers)",
            "n_points": "\(adapters.configuration.points)", "num_virtual_tokens": "\(adapters.promptPositions)",
        ]
        if let lora = adapters.lora {
            metadata["r"] = "\(lora.rank)"
            metadata["lora_alpha"] = "\(lora.alpha)"
            metadata["target_modules"] = lora.orderedTargets.map(\.rawValue).joined(separator: ",")
            metadata["fan_in_fan_out"] = "true"
            for layer in 0..<adapters.configuration.layers {
                for target in lora.orderedTargets {
                    guard let a = adapters.loraOffsets[layer][target] else { continue }
                    let (n, m) = target.shape(width: d), r = lora.rank
                    tensors.append(SafetensorsTensor(name: loraName(layer: layer, target: target, matrix: "lora_A"), shape: [r, n], floats: Array(values[a..<(a + r * n)])))
                    tensors.append(SafetensorsTensor(name: loraName(layer: layer, target: target, matrix: "lora_B"), shape: [m, r], floats: Array(values[(a + r * n)..<(a + r * n + m * r)])))
                }
            }
        }
        if adapters.promptPairs > 0 {
            let o = adapters.promptOffset
            tensors.append(SafetensorsTensor(name: promptName, shape: [adapters.promptPositions, d], floats: Array(values[o..<(o + adapters.promptPositions * d)])))
        }
        return SafetensorsFile(tensors: tensors, metadata: metadata)
    }

    public static func save(_ adapters: ModelAdapters, to url: URL) throws {
        try Safetensors.write(contents(of: adapters), to: url)
    }

    /// Loads adapters for `model`. Rank, alpha and targets come from the metadata when
    /// present, else from the tensors (alpha then defaults to 16, as the paper).
    public static func load(_ url: URL, for model: TransformerModel) throws -> ModelAdapters {
        try adapters(from: Safetensors.read(url), file: url.path, for: model)
    }

    public static func adapters(from file: SafetensorsFile, file name: String, for model: TransformerModel) throws -> ModelAdapters {
        let configuration = model.configuration, d = configuration.embedding
        func fail(_ problem: String) -> FileFormatError { FileFormatError(file: name, problem: problem) }
        // Targets and rank from the tensor names and shapes.
        var targets = Set<LoRATarget>()
        var rank: Int?
        for tensor in file.tensors where tensor.name.hasPrefix("base_model.model._backbone.h.") {
            guard let target = LoRATarget.allCases.first(where: { tensor.name.contains(".\($0.rawValue).lora_") }) else {
                throw fail("tensor '\(tensor.name)' is not a LoRA matrix of \(LoRATarget.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            targets.insert(target)
            if tensor.name.hasSuffix("lora_A.weight"), tensor.shape.count == 2 { rank = rank ?? tensor.shape[0] }
        }
        var lora: LoRASettings?
        if !targets.isEmpty {
            guard let rank else { throw fail("LoRA tensors without any lora_A.weight [r, in]: cannot tell the rank") }
            let alpha = file.metadata["lora_alpha"].flatMap(Float.init) ?? 16
            lora = LoRASettings(rank: rank, alpha: alpha, targets: targets)
        }
        var pairs = 0
        if let prompt = file[promptName] {
            guard prompt.shape.count == 2, prompt.shape[1] == d, prompt.shape[0] % 2 == 0 else {
                throw fail("'\(promptName)' has shape \(prompt.shape); expected [2P, \(d)] (an even number of vectors as wide as the model)")
            }
            pairs = prompt.shape[0] / 2
        }
        guard lora != nil || pairs > 0 else { throw fail("no LoRA matrices and no '\(promptName)': not an adapter file") }
        var generator = RandomGenerator(seed: 0)
        let adapters: ModelAdapters
        do { adapters = try ModelAdapters(model: model, lora: lora, softPromptPairs: pairs, generator: &generator) } catch {
            throw fail("the adapters do not fit this model: \(error)")
        }
        var values = adapters.parameterValues
        if let lora {
            for layer in 0..<configuration.layers {
                for target in lora.orderedTargets {
                    guard let a = adapters.loraOffsets[layer][target] else { continue }
                    let (n, m) = target.shape(width: d), r = lora.rank
                    for (matrix, shape, start) in [("lora_A", [r, n], a), ("lora_B", [m, r], a + r * n)] {
                        let tensorName = loraName(layer: layer, target: target, matrix: matrix)
                        guard let tensor = file[tensorName] else { throw fail("missing '\(tensorName)' (shape \(shape))") }
                        guard tensor.shape == shape else { throw fail("'\(tensorName)' has shape \(tensor.shape); expected \(shape)") }
                        let floats = tensor.floats
                        for i in floats.indices { values[start + i] = floats[i] }
                    }
                }
            }
        }
        if pairs > 0, let prompt = file[promptName] {
            let floats = prompt.floats
            for i in floats.indices { values[adapters.promptOffset + i] = floats[i] }
        }
        try adapters.setParameters(values)
        return adapters
    }
}
