import Foundation

/// How a ``TrainingState`` is kept in a checkpoint: one `training_state` metadata entry
/// (JSON) and, for Adam, its two moment tensors (see ``CheckpointFile``).
enum TrainingStateEncoding {
    static let metadataKey = "training_state"
    static let tensorPrefix = "training_state."
    static let firstMomentName = "training_state.exp_avg"
    static let secondMomentName = "training_state.exp_avg_sq"
    static let version = 1

    private struct Header: Codable {
        var version: Int
        var completed_steps: Int
        var settings: TrainingSettings
        var generator: [String]
        var optimizer_step: Int
        var task: [String]
        var source: String?
        var threads: Int
    }

    static func metadata(_ state: TrainingState, parameterCount: Int, file: String) throws -> String {
        guard state.firstMoment.count == state.secondMoment.count,
              state.firstMoment.isEmpty || state.firstMoment.count == parameterCount else {
            throw FileFormatError(file: file, problem: "cannot save optimiser moments of \(state.firstMoment.count) and \(state.secondMoment.count) values for a model of \(parameterCount) parameters")
        }
        let header = Header(
            version: version, completed_steps: state.completedSteps, settings: state.settings,
            generator: state.generatorWords.map { String($0, radix: 16) }, optimizer_step: state.optimizerStep,
            task: state.task, source: state.source, threads: state.threads)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(header), as: UTF8.self)
    }

    static func tensors(_ state: TrainingState) -> [SafetensorsTensor] {
        guard !state.firstMoment.isEmpty else { return [] }
        return [
            SafetensorsTensor(name: firstMomentName, shape: [state.firstMoment.count], floats: state.firstMoment),
            SafetensorsTensor(name: secondMomentName, shape: [state.secondMoment.count], floats: state.secondMoment),
        ]
    }

    /// The state a file holds, nil if it holds none.
    static func state(from contents: SafetensorsFile, parameterCount: Int, file: String) throws -> TrainingState? {
        guard let text = contents.metadata[metadataKey] else {
            if let stray = contents.tensors.first(where: { $0.name.hasPrefix(tensorPrefix) }) {
                throw FileFormatError(file: file, problem: "tensor '\(stray.name)' is training state, but the file has no '\(metadataKey)' metadata entry to go with it")
            }
            return nil
        }
        func fail(_ problem: String) -> FileFormatError {
            FileFormatError(file: file, problem: "its training state cannot be used: \(problem)")
        }
        let header: Header
        do { header = try JSONDecoder().decode(Header.self, from: Data(text.utf8)) } catch {
            throw fail("the '\(metadataKey)' entry is not the JSON PolyICL writes (\(error))")
        }
        guard header.version == version else {
            throw fail("it is version \(header.version); this build reads version \(version)")
        }
        let words = header.generator.compactMap { UInt64($0, radix: 16) }
        guard words.count == 4, header.generator.count == 4, RandomGenerator(stateWords: words) != nil else {
            throw fail("generator \(header.generator) is not four hexadecimal words, not all zero")
        }
        guard header.completed_steps >= 0, header.optimizer_step >= 0, header.threads >= 1 else {
            throw fail("completed_steps \(header.completed_steps), optimizer_step \(header.optimizer_step) and threads \(header.threads) must not be negative (threads at least 1)")
        }
        func moment(_ name: String) throws -> [Float] {
            guard let tensor = contents[name] else { return [] }
            guard tensor.shape == [parameterCount] else {
                throw fail("tensor '\(name)' has shape \(tensor.shape); expected [\(parameterCount)], one value per parameter")
            }
            let values = tensor.floats
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw fail("tensor '\(name)' holds a non-finite value (\(values[bad])) at flat index \(bad)")
            }
            return values
        }
        let first = try moment(firstMomentName), second = try moment(secondMomentName)
        guard first.count == second.count else {
            throw fail("it has '\(first.isEmpty ? secondMomentName : firstMomentName)' without '\(first.isEmpty ? firstMomentName : secondMomentName)'")
        }
        if case .adam = header.settings.optimizer, header.optimizer_step > 0, first.isEmpty {
            throw fail("Adam has taken \(header.optimizer_step) steps but the moment tensors '\(firstMomentName)' and '\(secondMomentName)' are missing")
        }
        return TrainingState(
            settings: header.settings, completedSteps: header.completed_steps, generatorWords: words,
            optimizerStep: header.optimizer_step, firstMoment: first, secondMoment: second,
            task: header.task, source: header.source ?? "", threads: header.threads)
    }
}
