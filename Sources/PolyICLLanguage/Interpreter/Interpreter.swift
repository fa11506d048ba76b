import Foundation

/// The language's face to a frontend (the Jupyter kernel, `polyicl run`, tests):
/// execute a cell, complete, inspect, and say whether a cell is complete.
///
/// Not thread-safe: use it from one thread at a time (the kernel's execution thread).
/// It is `@unchecked Sendable` so it can be handed to that thread; only the
/// ``CancellationFlag`` is meant to be touched from elsewhere while a cell runs.
public final class Interpreter: @unchecked Sendable {
    public let registry: CommandRegistry
    public let session: Session
    /// Relative paths in commands are resolved against this directory.
    public var workingDirectory: String

    public init(registry: CommandRegistry = .standard, session: Session = Session(),
                workingDirectory: String = FileManager.default.currentDirectoryPath) {
        self.registry = registry
        self.session = session
        self.workingDirectory = workingDirectory
    }

    /// Parses and checks the whole cell, then runs it statement by statement. A cell with
    /// any parse or check error runs nothing. The first failing statement stops the cell;
    /// what earlier statements stored stays, and a failing statement stores nothing.
    /// The error is returned, not sent to the sink: the caller publishes it.
    public func execute(_ cell: String, sink: any OutputSink, cancellation: CancellationFlag) -> ExecutionOutcome {
        let parsed = Parser.parse(cell)
        if !parsed.diagnostics.isEmpty { return .error(Self.error(from: parsed.diagnostics, in: cell)) }
        var checker = Checker(registry: registry, environment: CheckEnvironment(session: session, workingDirectory: workingDirectory, commandNames: registry.names))
        let statements = checker.check(parsed.statements)
        if !checker.diagnostics.isEmpty { return .error(Self.error(from: checker.diagnostics, in: cell)) }

        for (index, statement) in statements.enumerated() {
            let isLast = index == statements.count - 1
            if cancellation.isCancelled {
                return .error(Self.error(from: CommandFailure.interrupted("the cell was interrupted before line \(statement.range.start.line)"),
                                         statement: statement, in: cell))
            }
            // Only the last statement's value is the cell's result; earlier ones are displays.
            let show: (MIMEBundle) -> Void = { bundle in
                if isLast { sink.result(bundle) } else { sink.display(bundle, displayID: nil) }
            }
            switch statement.action {
            case .value(let value):
                if let target = statement.target {
                    session.store(ValueObject(value), as: target)
                } else {
                    show(representation(of: value))
                }
            case .show(let name):
                guard let object = session[name] else {
                    return .error(Self.error(from: CommandFailure("UnknownName", "no object named `\(name)` in this session"), statement: statement, in: cell))
                }
                show(object.representation())
            case .alias(let source):
                guard let object = session[source], let target = statement.target else {
                    return .error(Self.error(from: CommandFailure("UnknownName", "no object named `\(source)` in this session"), statement: statement, in: cell))
                }
                session.store(object, as: target)
            case .command(let command, let arguments):
                let invocation = CommandInvocation(
                    arguments: arguments, session: session, sink: sink, cancellation: cancellation,
                    registry: registry, target: statement.target, workingDirectory: workingDirectory, isLastStatement: isLast)
                do {
                    let produced = try command.run(invocation)
                    if let produced {
                        if let target = statement.target {
                            session.store(produced, as: target)
                        } else {
                            show(produced.representation())
                        }
                    }
                } catch let failure as CommandFailure {
                    return .error(Self.error(from: failure, statement: statement, in: cell))
                } catch {
                    return .error(Self.error(from: CommandFailure("RuntimeError", "\(command.name) failed: \(error)"), statement: statement, in: cell))
                }
            }
        }
        return .ok
    }

    /// What a bare value shows: its text, or the object's representation for a name.
    func representation(of value: Value) -> MIMEBundle {
        if case .objectName(let name) = value, let object = session[name] { return object.representation() }
        return MIMEBundle(plainText: value.description)
    }

    /// How many problems an error shows in full; a cell of thousands of unclosed brackets
    /// would otherwise bury the first (usually the cause) under pages of the same message.
    static let shownProblems = 10

    static func error(from diagnostics: [Diagnostic], in cell: String) -> ExecutionError {
        let first = diagnostics[0]
        let more = diagnostics.count - 1
        var traceback: [String] = []
        for (i, d) in diagnostics.prefix(shownProblems).enumerated() {
            if i > 0 { traceback.append("") }
            traceback += d.rendered(in: cell)
        }
        if diagnostics.count > shownProblems {
            traceback.append("")
            traceback.append("\(diagnostics.count) problems (the first \(shownProblems) shown); nothing was run.")
        } else if more > 0 {
            traceback.append("")
            traceback.append("\(diagnostics.count) problems; nothing was run.")
        }
        let location = "line \(first.range.start.line), column \(first.range.start.column)"
        return ExecutionError(
            name: first.kind.rawValue,
            message: "\(first.message) (\(location))" + (more > 0 ? " and \(more) more problem\(more == 1 ? "" : "s")" : ""),
            traceback: traceback)
    }

    static func error(from failure: CommandFailure, statement: CheckedStatement, in cell: String) -> ExecutionError {
        let range = failure.range ?? statement.range
        let diagnostic = Diagnostic(.invalidValue, failure.message, at: range, hint: failure.hint)
        var traceback = diagnostic.rendered(in: cell)
        traceback[0] = "\(failure.name) at line \(range.start.line), column \(range.start.column): \(failure.message)"
        return ExecutionError(name: failure.name, message: failure.message, traceback: traceback)
    }
}

extension Interpreter {
    /// Parses and checks a cell without running it: every problem, in order.
    public func diagnostics(for cell: String) -> [Diagnostic] {
        let parsed = Parser.parse(cell)
        if !parsed.diagnostics.isEmpty { return parsed.diagnostics }
        var checker = Checker(registry: registry, environment: CheckEnvironment(session: session, workingDirectory: workingDirectory, commandNames: registry.names))
        _ = checker.check(parsed.statements)
        return checker.diagnostics
    }
}
