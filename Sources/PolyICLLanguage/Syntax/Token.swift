/// One lexical unit of a cell, with where it sits in the text.
public struct Token: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// A name: letters, digits, `_`, and single dots between parts (`h.0`, `read_in`).
        case identifier(String)
        /// An integer literal (no dot, no exponent).
        case integer(Int)
        /// A number with a fraction or exponent (`0.5`, `1e-4`).
        case number(Double)
        /// A string literal with its escapes resolved.
        case string(String)
        case equals
        /// `..` between the bounds of a range.
        case dotDot
        case comma
        case leftBracket, rightBracket
        case leftParenthesis, rightParenthesis
        /// Arithmetic operators. A `-` straight before a digit with no value just before
        /// it is part of a negative number (`-3`), not a token of its own.
        case plus, minus, star, slash
        /// End of a statement: a line break outside brackets.
        case newline
        case endOfInput
        /// Text the lexer could not read; `message` says why.
        case invalid(message: String)
    }

    public var kind: Kind
    public var range: SourceRange
    /// The exact text of the token as typed.
    public var text: String

    public init(kind: Kind, range: SourceRange, text: String) {
        self.kind = kind
        self.range = range
        self.text = text
    }

    public var identifier: String? {
        if case .identifier(let name) = kind { return name }
        return nil
    }
}
