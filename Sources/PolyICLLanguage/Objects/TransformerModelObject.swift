import Foundation
import PolyICLCore
import PolyICLRender

/// One `train` call's record: what it trained on, with which settings, and its losses.
public struct TrainingRecord: Codable, Sendable, Equatable {
    public var task: String
    public var settings: String
    /// Steps of the run done before this call (a continued run starts past 0).
    public var firstStep: Int
    public var totalSteps: Int
    public var losses: [Float]
    public var cancelled: Bool
}

/// A model in the session: the core's transformer, changed in place by `train`, with its
/// training history. A class because training mutates it and the session must see the
/// weights of the last completed step even when a cell is interrupted.
public final class TransformerModelObject: ModelObject {
    public let model: TransformerModel
    public private(set) var history: [TrainingRecord]
    /// History text from a checkpoint written by another tool, kept as it was.
    public let foreignHistory: String?
    /// A run that stopped before its last step, continued by the same `train` command.
    var unfinished: UnfinishedTraining?
    /// The latest run (finished or not) and its prompt source's description: what `save`
    /// keeps so that a loaded model can continue it exactly.
    var latestRun: (run: UnfinishedTraining, source: String)?
    /// A run saved in the checkpoint this model was loaded from, continued by a `train` on the
    /// same task with the same settings (see ``Trainer/continues(_:with:)``).
    var savedTraining: TrainingState?

    public init(model: TransformerModel, history: [TrainingRecord] = [], foreignHistory: String? = nil,
                savedTraining: TrainingState? = nil) {
        self.savedTraining = savedTraining
        self.model = model
        self.history = history
        self.foreignHistory = foreignHistory
    }

    public var configuration: ModelConfiguration { model.configuration }
    public var kind: ObjectKind { .model }
    public var trainedSteps: Int { history.reduce(0) { $0 + $1.losses.count } }

    public var summary: String {
        let c = configuration
        return "dim \(c.embedding), \(c.layers) layers, \(c.heads) heads, \(c.points) points, \(trainedSteps) steps trained"
    }

    func record(_ record: TrainingRecord) { history.append(record) }

    /// Every loss in training order.
    public var allLosses: [Float] { history.flatMap(\.losses) }

    public var configurationText: String {
        let c = configuration
        return """
        transformer: dim \(c.embedding), \(c.layers) layers, \(c.heads) heads, \(c.points) points (\(c.positions) positions), \
        x width \(c.inputDimension), position embeddings \(c.positionalEmbeddings ? "on" : "off")
        parameters: \(TextFormat.grouped(c.parameterCount))
        """
    }

    public var historyText: String {
        if history.isEmpty {
            return foreignHistory != nil ? "training history: recorded by another tool" : "untrained"
        }
        return history.map { r in
            let last = r.losses.last.map { " final loss \(NumberFormat.general(Double($0), significantDigits: 4))" } ?? ""
            return "train on \(r.task): steps \(r.firstStep + 1)..\(r.firstStep + r.losses.count) of \(r.totalSteps)\(r.cancelled ? " (interrupted)" : ""),\(last)"
        }.joined(separator: "\n")
    }

    public func representation() -> MIMEBundle {
        let text = configurationText + "\n" + historyText
        var html = "<div><pre>" + XMLEscaping.escape(text) + "</pre>"
        if allLosses.count >= 2 { html += TrainingFigures.lossChart(allLosses, title: "Training loss").svg() }
        return MIMEBundle(plainText: text, html: html + "</div>")
    }

    /// The state a checkpoint keeps so the latest run can be continued: nil for a model with
    /// adapters (its optimiser covers the adapters, not the weights saved).
    var trainingState: TrainingState? {
        guard model.adapters == nil else { return nil }
        if let latest = latestRun {
            return latest.run.trainer.state(generator: latest.run.generator, task: ["polyicl-language"],
                                            source: latest.source, threads: model.executor.threads)
        }
        return savedTraining
    }

    /// The history as JSON, for the checkpoint's `training_history`.
    public func historyJSON() -> String? {
        if history.isEmpty { return foreignHistory }
        guard let data = try? JSONEncoder().encode(history) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    static func history(fromJSON text: String?) -> (records: [TrainingRecord], foreign: String?) {
        guard let text else { return ([], nil) }
        if let records = try? JSONDecoder().decode([TrainingRecord].self, from: Data(text.utf8)) { return (records, nil) }
        return ([], text)
    }
}

/// The state that lets an interrupted `train` continue: the trainer (optimiser state and
/// step count), the prompt generator where it stopped, and what the run was asked.
final class UnfinishedTraining {
    let trainer: Trainer
    var generator: RandomGenerator
    let key: String

    init(trainer: Trainer, generator: RandomGenerator, key: String) {
        self.trainer = trainer
        self.generator = generator
        self.key = key
    }
}
