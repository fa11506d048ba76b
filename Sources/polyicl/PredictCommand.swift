import ArgumentParser
import Foundation
import PolyICLCore

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict every x position of prompts read from .npy files.",
        discussion: """
            Writes the model's prediction at every x position, float32 of shape [prompts, points]: \
            the prediction at point i is made from the points before it and x_i.

            Example: polyicl predict --checkpoint models/small.safetensors --xs xs.npy --ys ys.npy --out p.npy
            """
    )

    @OptionGroup var model: CheckpointOptions

    @Option(help: "x of the prompts, .npy of shape [prompts, points] or [prompts, points, dims].")
    var xs: String
    @Option(help: "y of the prompts, .npy of shape [prompts, points].")
    var ys: String
    @Option(help: "Where to write the predictions (.npy, float32 [prompts, points]).")
    var out: String

    /// Prompts per forward pass: bounds the activation memory.
    static let chunk = 1024

    func run() throws {
        let prompts = try FilePrompts(xsFile: URL(fileURLWithPath: xs), ysFile: URL(fileURLWithPath: ys))
        let transformer = try model.loadModel()
        let configuration = transformer.configuration
        guard prompts.inputDimension == configuration.inputDimension else {
            throw InputError("\(xs) holds x of width \(prompts.inputDimension) but the model in \(model.checkpoint) reads x of width \(configuration.inputDimension)")
        }
        guard prompts.pointCount <= configuration.points else {
            throw InputError("\(xs) has \(prompts.pointCount) points per prompt but the model in \(model.checkpoint) takes at most \(configuration.points): keep the first \(configuration.points) points")
        }
        let points = prompts.pointCount
        var output = [Float](repeating: 0, count: prompts.promptCount * points)
        var batch = PromptBatch(count: min(Self.chunk, prompts.promptCount), points: points, inputDimension: prompts.inputDimension)
        var first = 0
        while first < prompts.promptCount {
            let count = min(Self.chunk, prompts.promptCount - first)
            batch.reshape(count: count, points: points)
            prompts.fill(&batch, startingAt: first)
            try output.withUnsafeMutableBufferPointer { buffer in
                let slice = UnsafeMutableBufferPointer(rebasing: buffer[(first * points)..<((first + count) * points)])
                try transformer.predict(batch, into: slice)
            }
            first += count
        }
        try NumpyFile.write(NumpyArray(shape: [prompts.promptCount, points], floats: output), to: URL(fileURLWithPath: out))
    }
}
