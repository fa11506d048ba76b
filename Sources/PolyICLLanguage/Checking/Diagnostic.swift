/// A mistake found in a cell before anything runs: what is wrong, where, and what would
/// be right.
public struct Diagnostic: Error, Sendable, Hashable {
    /// The error's name as a frontend shows it (Jupyter's `ename`).
    public enum Kind: String, Sendable, Hashable {
        case syntaxError = "SyntaxError"
        case unknownCommand = "UnknownCommand"
        case unknownKey = "UnknownKey"
        case unknownName = "UnknownName"
        case wrongKind = "WrongKind"
        case wrongType = "WrongType"
        case outOfRange = "OutOfRange"
        case missingArgument = "MissingArgument"
        case duplicateArgument = "DuplicateArgument"
        case unexpectedArgument = "UnexpectedArgument"
        case invalidValue = "InvalidValue"
        case fileNotFound = "FileNotFound"
        case noValue = "NoValue"
        case reservedName = "ReservedName"
        case divisionByZero = "DivisionByZero"
    }

    public var kind: Kind
    public var message: String
    public var range: SourceRange
    /// What would be right (a did-you-mean, the allowed range, an example).
    public var hint: String?

    public init(_ kind: Kind, _ message: String, at range: SourceRange, hint: String? = nil) {
        self.kind = kind
        self.message = message
        self.range = range
        self.hint = hint
    }

    /// `line:column: message`, the line itself, a caret under the spot and the hint.
    public func rendered(in source: String) -> [String] {
        var lines = ["\(kind.rawValue) at line \(range.start.line), column \(range.start.column): \(message)"]
        // Split on the scalar: in Swift "\r\n" is one Character and would not split on "\n".
        let sourceLines = source.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
        let lineIndex = range.start.line - 1
        if lineIndex >= 0, lineIndex < sourceLines.count {
            let text = Array(sourceLines[lineIndex])
            let gutter = String(range.start.line)
            let pad = String(repeating: " ", count: gutter.count)
            var shown = String.UnicodeScalarView()
            shown.append(contentsOf: text.filter { $0 != "\r" })
            lines.append("  \(gutter) | \(String(shown))")
            // Keep tabs under tabs so the caret lines up whatever the tab width.
            var caret = String.UnicodeScalarView()
            let startColumn = max(1, range.start.column)
            for i in 0..<(startColumn - 1) where i < text.count {
                if text[i] != "\r" { caret.append(text[i] == "\t" ? "\t" : " ") }
            }
            let width: Int
            if range.end.line == range.start.line {
                width = max(1, range.end.column - range.start.column)
            } else {
                width = max(1, text.count - (startColumn - 1))
            }
            caret.append("^")
            for _ in 1..<width { caret.append("~") }
            lines.append("  \(pad) | \(String(caret))")
        }
        if let hint { lines.append("  \(hint)") }
        return lines
    }
}
