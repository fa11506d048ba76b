import PolyICLCore
import PolyICLLanguage

/// Records every output a cell sends, in order, for assertions.
final class RecordingSink: OutputSink {
    enum Event: Equatable {
        case stream(OutputStreamName, String)
        case display(MIMEBundle, String?)
        case update(String, MIMEBundle)
        case result(MIMEBundle)
        case clear(Bool)
        case page(String)
    }

    var events: [Event] = []

    func stream(_ name: OutputStreamName, _ text: String) { events.append(.stream(name, text)) }
    func display(_ bundle: MIMEBundle, displayID: String?) { events.append(.display(bundle, displayID)) }
    func updateDisplay(_ displayID: String, _ bundle: MIMEBundle) { events.append(.update(displayID, bundle)) }
    func result(_ bundle: MIMEBundle) { events.append(.result(bundle)) }
    func clearOutput(wait: Bool) { events.append(.clear(wait)) }
    func page(_ text: String) { events.append(.page(text)) }
}

/// A stand-in for the core-bound objects (tasks, models, results) the next round brings.
struct StubObject: SessionObject {
    var kind: ObjectKind
    var summary: String { "stub \(kind)" }
    func representation() -> MIMEBundle { MIMEBundle(plainText: "stub \(kind)") }
}

extension Interpreter {
    /// Runs a cell with a fresh sink and flag.
    func run(_ cell: String) -> (ExecutionOutcome, [RecordingSink.Event]) {
        let sink = RecordingSink()
        let outcome = execute(cell, sink: sink, cancellation: CancellationFlag())
        return (outcome, sink.events)
    }
}

/// A stand-in model with a real configuration, for the checks against the model's size.
struct StubModel: ModelObject {
    var configuration: ModelConfiguration
    var kind: ObjectKind { .model }
    var summary: String { "stub model, \(configuration.points) points" }
    func representation() -> MIMEBundle { MIMEBundle(plainText: summary) }
}
