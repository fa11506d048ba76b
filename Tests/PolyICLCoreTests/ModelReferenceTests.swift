import Foundation
import Testing
import PolyICLCore

/// The whole model against tests/reference/gpt2_numpy.py: an independent float64 NumPy
/// implementation with its own hand-written backward (itself checked by finite differences).
@Suite struct ModelReferenceTests {
    static let configurations: [ModelConfiguration] = [
        ModelConfiguration(embedding: 8, layers: 2, heads: 2, points: 6, inputDimension: 2),
        ModelConfiguration(embedding: 12, layers: 3, heads: 3, points: 5, inputDimension: 1, positionalEmbeddings: false),
    ]

    @Test(arguments: configurations)
    func predictionsLossAndEveryGradientMatchNumPy(configuration: ModelConfiguration) throws {
        var generator = RandomGenerator(seed: 11)
        let model = try TransformerModel(configuration: configuration, generator: &generator, threads: 2)
        try model.setParameters(Self.roughParameters(configuration, &generator))
        // Fewer points than the model's maximum: only a prefix of wpe is used.
        let batch = Self.randomBatch(count: 3, points: 4, inputDimension: configuration.inputDimension, &generator)

        let predictions = try model.predict(batch)
        let loss = try model.trainingStep(batch, loss: MeanSquaredError())
        let gradients = model.withGradients { Array($0) }

        let reference = try NumPyReference.run(configuration: configuration, parameters: model.parameterValues, batch: batch)
        for i in predictions.indices {
            #expect(abs(Double(predictions[i]) - reference.predictions[i]) <= 1e-4 * max(1, abs(reference.predictions[i])),
                    "prediction \(i): \(predictions[i]) vs NumPy \(reference.predictions[i])")
        }
        #expect(abs(Double(loss) - reference.loss) <= 1e-4 * max(1, reference.loss), "loss \(loss) vs NumPy \(reference.loss)")
        for spec in configuration.parameterLayout {
            let ours = gradients[spec.offset..<(spec.offset + spec.count)].map(Double.init)
            let theirs = reference.gradients[spec.offset..<(spec.offset + spec.count)]
            let scale = theirs.map(abs).max() ?? 0
            let worst = worstError(zip(ours, theirs).map { abs($0 - $1) })
            #expect(worst <= 1e-3 * scale + 1e-6, "\(spec.name): max difference \(worst) at gradient scale \(scale)")
        }
    }

    /// Weights well away from GPT-2's small initialisation so every path carries signal.
    static func roughParameters(_ configuration: ModelConfiguration, _ generator: inout RandomGenerator) -> [Float] {
        var values = [Float](repeating: 0, count: configuration.parameterCount)
        for spec in configuration.parameterLayout {
            for i in 0..<spec.count {
                let noise = Float(generator.nextNormal())
                values[spec.offset + i] = spec.kind == .layerNormGain ? 1 + 0.2 * noise : 0.3 * noise
            }
        }
        return values
    }

    static func randomBatch(count: Int, points: Int, inputDimension: Int, _ generator: inout RandomGenerator) -> PromptBatch {
        var batch = PromptBatch(count: count, points: points, inputDimension: inputDimension)
        for i in batch.xs.indices { batch.xs[i] = Float(generator.nextUniform(-1, 1)) }
        for i in batch.ys.indices { batch.ys[i] = Float(generator.nextNormal()) }
        return batch
    }
}

/// Runs the NumPy reference on files in a temporary directory.
enum NumPyReference {
    struct Result {
        var predictions: [Double]
        var loss: Double
        var gradients: [Double]
    }

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static var python: String {
        ProcessInfo.processInfo.environment["POLYICL_PYTHON"] ?? packageRoot.appendingPathComponent(".venv/bin/python").path
    }

    static func run(configuration: ModelConfiguration, parameters: [Float], batch: PromptBatch) throws -> Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("polyicl-reference-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let layout = configuration.parameterLayout.map { ["name": $0.name, "shape": $0.shape, "offset": $0.offset] as [String: Any] }
        let config: [String: Any] = [
            "embedding": configuration.embedding, "layers": configuration.layers, "heads": configuration.heads,
            "points": configuration.points, "inputDimension": configuration.inputDimension,
            "positionalEmbeddings": configuration.positionalEmbeddings,
            "count": batch.count, "batchPoints": batch.points, "layout": layout,
        ]
        try JSONSerialization.data(withJSONObject: config).write(to: directory.appendingPathComponent("config.json"))
        try littleEndianData(parameters).write(to: directory.appendingPathComponent("parameters.f32"))
        try littleEndianData(batch.xs).write(to: directory.appendingPathComponent("xs.f32"))
        try littleEndianData(batch.ys).write(to: directory.appendingPathComponent("ys.f32"))

        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [packageRoot.appendingPathComponent("tests/reference/gpt2_numpy.py").path, directory.path]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ReferenceError(description: "gpt2_numpy.py exited with \(process.terminationStatus): \(message)")
        }
        let result = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("result.json"))) as? [String: Double]
        return Result(
            predictions: try doubles(directory.appendingPathComponent("predictions.f64")),
            loss: result?["loss"] ?? .nan,
            gradients: try doubles(directory.appendingPathComponent("gradients.f64")))
    }

    struct ReferenceError: Error, CustomStringConvertible { var description: String }

    static func littleEndianData(_ values: [Float]) -> Data {
        var data = Data(capacity: values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    static func doubles(_ url: URL) throws -> [Double] {
        let data = try Data(contentsOf: url)
        return stride(from: 0, to: data.count, by: 8).map { start in
            var bits: UInt64 = 0
            for k in 0..<8 { bits |= UInt64(data[data.startIndex + start + k]) << (8 * UInt64(k)) }
            return Double(bitPattern: bits)
        }
    }
}
