/// Whether a cell can run as typed (Jupyter's is_complete).
public enum Completeness: Sendable, Hashable {
    case complete
    /// More lines are needed (an open bracket or string); `indent` for the next line.
    case incomplete(indent: String)
    /// A syntax error no further typing at the end can fix.
    case invalid
}

extension Interpreter {
    public func isComplete(_ code: String) -> Completeness {
        let lexed = Lexer.tokenize(code)
        if lexed.endsInsideString { return .incomplete(indent: "") }
        if !lexed.openBrackets.isEmpty { return .incomplete(indent: String(repeating: "  ", count: lexed.openBrackets.count)) }
        return Parser.parse(code).diagnostics.isEmpty ? .complete : .invalid
    }
}
