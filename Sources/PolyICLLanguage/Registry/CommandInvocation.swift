import Foundation

/// Everything a run body may use: its checked arguments, the session (read; write only
/// through ``Session/replace(_:with:)`` at consistent points), the output sink and the
/// cancellation flag.
public final class CommandInvocation {
    public let arguments: Arguments
    public let session: Session
    public let sink: any OutputSink
    public let cancellation: CancellationFlag
    public let registry: CommandRegistry
    /// The name the result will be kept under (`name = ...`), if any.
    public let target: String?
    public let workingDirectory: String
    /// The statement is the cell's last: what it shows is the cell's result.
    public let isLastStatement: Bool

    init(arguments: Arguments, session: Session, sink: any OutputSink, cancellation: CancellationFlag,
         registry: CommandRegistry, target: String?, workingDirectory: String, isLastStatement: Bool) {
        self.isLastStatement = isLastStatement
        self.arguments = arguments
        self.session = session
        self.sink = sink
        self.cancellation = cancellation
        self.registry = registry
        self.target = target
        self.workingDirectory = workingDirectory
    }

    /// Shows what the command made (a table, a plot): the cell's result when this is the
    /// last statement, a display otherwise, so a cell has at most one result.
    public func show(_ bundle: MIMEBundle) {
        if isLastStatement { sink.result(bundle) } else { sink.display(bundle, displayID: nil) }
    }

    /// Throws ``CommandFailure/interrupted(_:)`` once the cell has been cancelled.
    public func checkCancellation(_ what: @autoclosure () -> String) throws {
        if cancellation.isCancelled { throw CommandFailure.interrupted(what()) }
    }

    /// A display id unique in this process, for displays updated later (progress).
    public func newDisplayID() -> String {
        "polyicl-\(arguments.command)-\(UUID().uuidString.lowercased())"
    }

    /// The object a checked name argument refers to. The checker made sure it exists
    /// (unless an earlier command of the same cell failed to make it, which stops the cell
    /// before this one runs), so a miss here is reported, never trapped.
    public func object(named name: String) throws -> any SessionObject {
        guard let object = session[name] else {
            throw CommandFailure("UnknownName", "no object named `\(name)` in this session")
        }
        return object
    }

    /// A path as written, resolved against the working directory when relative.
    public func resolve(path: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: workingDirectory).appendingPathComponent(path).path
    }
}
