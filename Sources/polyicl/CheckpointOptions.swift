import ArgumentParser
import Foundation
import PolyICLCore

/// Loading a model from a checkpoint, shared by `predict` and `eval`.
struct CheckpointOptions: ParsableArguments {
    @Option(help: "The model's checkpoint (.safetensors).")
    var checkpoint: String

    @Option(help: "Head count, for a checkpoint without n_head metadata (saved from PyTorch).")
    var heads: Int?

    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    func validate() throws {
        if let heads, heads < 1 { throw ValidationError("--heads \(heads) is not valid: expected at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads \(threads) is not valid: expected at least 1") }
    }

    func loadModel() throws -> TransformerModel {
        let loaded = try CheckpointFile.load(URL(fileURLWithPath: checkpoint), heads: heads)
        var generator = RandomGenerator(seed: 0)
        let model = try TransformerModel(configuration: loaded.configuration, generator: &generator, threads: threads)
        try model.setParameters(loaded.parameters)
        return model
    }
}
