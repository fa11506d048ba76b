import Foundation
import PolyICLCore
import PolyICLRender

/// `load "adapters.safetensors" base=MODEL`: adapter files (what `save` writes for a model
/// made by `lora` or `softprompt`) attached to a copy of the model they were trained on.
extension LoadCommand {
    /// What a safetensors file holds, told from its metadata and tensor names.
    enum FileKind {
        case model
        case adapters

        /// `AdapterFile` marks its files with `format` = "polyicl-adapters"; files written by
        /// peft itself have no such entry but carry its tensor names.
        init(_ file: SafetensorsFile) {
            if file.metadata["format"] == "polyicl-adapters"
                || file.tensors.contains(where: { $0.name.hasPrefix("base_model.model.") || $0.name == AdapterFile.promptName }) {
                self = .adapters
            } else {
                self = .model
            }
        }
    }

    /// One line on what an adapter file holds: "LoRA rank 4 (alpha 16) on c_attn", "a soft prompt of 10 pairs".
    static func adapterDescription(_ file: SafetensorsFile) -> String {
        var parts: [String] = []
        if file.tensors.contains(where: { $0.name.hasPrefix("base_model.model.") }) {
            let targets = LoRATarget.allCases.filter { target in file.tensors.contains { $0.name.contains(".\(target.rawValue).lora_") } }
            let rank = file.metadata["r"].map { " rank \($0)" } ?? ""
            parts.append("LoRA\(rank) on \(targets.map(\.rawValue).joined(separator: ", "))")
        }
        if let prompt = file[AdapterFile.promptName], prompt.shape.count == 2 {
            parts.append("a soft prompt of \(prompt.shape[0] / 2) pairs")
        }
        return parts.isEmpty ? "adapters" : parts.joined(separator: " and ")
    }

    /// The architecture an adapter file says it was saved from, against the base's: the
    /// width, the block count and the points must all be the base's, since adapters trained
    /// on one model mean nothing on another. Files without the metadata (from peft) are
    /// checked by their tensors: the LoRA blocks must exist in the base.
    static func mismatch(of file: SafetensorsFile, with base: ModelConfiguration) -> String? {
        var problems: [String] = []
        for (key, what, value) in [("n_embd", "wide", base.embedding), ("n_layer", "layers", base.layers), ("n_points", "points", base.points)] {
            if let text = file.metadata[key], let saved = Int(text), saved != value {
                problems.append(key == "n_embd" ? "\(saved) wide (the base is \(value))" : "\(saved) \(what) (the base has \(value))")
            }
        }
        if problems.isEmpty {
            let prefix = "base_model.model._backbone.h."
            let blocks = file.tensors.compactMap { tensor -> Int? in
                guard tensor.name.hasPrefix(prefix) else { return nil }
                return Int(tensor.name.dropFirst(prefix.count).prefix { $0.isNumber })
            }
            if let highest = blocks.max(), highest >= base.layers {
                problems.append("adapters for block \(highest) (the base has blocks 0 to \(base.layers - 1))")
            }
        }
        return problems.isEmpty ? nil : problems.joined(separator: ", ")
    }

    /// A copy of the plain model under base= with the file's adapters attached.
    static func attachAdapters(from file: SafetensorsFile, written: String, invocation: CommandInvocation) throws -> TransformerModelObject {
        let a = invocation.arguments
        for key in ["heads", "points"] where a.isGiven(key) {
            throw CommandFailure("InvalidValue", "\(key)= describes a model file without metadata, and \(written) holds adapters", hint: "leave out \(key)=: the base model gives the architecture",
                                 at: a.range(of: key))
        }
        let (baseName, base) = try invocation.plainModel("base")
        if let problem = mismatch(of: file, with: base.configuration) {
            let c = base.configuration
            throw CommandFailure("InvalidValue", "\(written) holds adapters for a different model: \(problem)",
                                 hint: "give the model they were trained on; `\(baseName)` is \(c.embedding) wide, \(c.layers) layers, \(c.points) points",
                                 at: a.range(of: "base"))
        }
        let copy = try invocation.copy(of: base, parameters: base.model.parameterValues)
        do {
            let adapters = try AdapterFile.adapters(from: file, file: written, for: copy.model)
            try copy.model.attach(adapters)
            invocation.sink.stream(.stdout, "loaded \(adapterDescription(file)) (\(TextFormat.grouped(adapters.parameterCount)) parameters) from \(written) onto a copy of \(baseName)\n")
        } catch {
            let problem = (error as? FileFormatError)?.problem ?? "\(error)"
            throw CommandFailure("InvalidValue", "cannot attach the adapters of \(written) to `\(baseName)`: \(problem)", at: a.range(of: "base"))
        }
        return copy
    }
}
