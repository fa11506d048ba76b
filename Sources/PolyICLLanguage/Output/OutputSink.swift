/// The two text streams of a cell.
public enum OutputStreamName: String, Sendable, Hashable, CaseIterable {
    case stdout, stderr
}

/// Where a running cell sends what it shows. Independent of Jupyter: the kernel adapts it
/// to iopub messages, `polyicl run` to the terminal, files or notebook outputs, tests
/// record it. Called on the thread that executes the cell.
public protocol OutputSink: AnyObject {
    func stream(_ name: OutputStreamName, _ text: String)
    /// A new display; with an id it can be updated later.
    func display(_ bundle: MIMEBundle, displayID: String?)
    func updateDisplay(_ displayID: String, _ bundle: MIMEBundle)
    /// The cell's result (Jupyter's execute_result).
    func result(_ bundle: MIMEBundle)
    /// Clears the cell's output; with `wait`, only when the next output arrives.
    func clearOutput(wait: Bool)
    /// Help text for a pager (Jupyter's page payload).
    func page(_ text: String)
}

/// An error as a value: how a cell failed.
public struct ExecutionError: Error, Sendable, Hashable {
    /// Short name (Jupyter's ename): UnknownCommand, OutOfRange, Interrupted, ...
    public var name: String
    /// One-line message (evalue).
    public var message: String
    /// Lines to show: each problem with its line and caret, then hints.
    public var traceback: [String]

    public init(name: String, message: String, traceback: [String]) {
        self.name = name
        self.message = message
        self.traceback = traceback
    }
}

/// How a cell ended.
public enum ExecutionOutcome: Sendable, Hashable {
    case ok
    case error(ExecutionError)

    public var error: ExecutionError? {
        if case .error(let e) = self { return e }
        return nil
    }
}
