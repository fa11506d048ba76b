/// Splits a cell into tokens. Never fails: text it cannot read becomes an `.invalid`
/// token carrying the reason, so completion and is-complete can work on broken cells and
/// the parser can report every problem with its place.
public struct Lexer {
    /// The tokens of a cell and what is left open at its end.
    public struct Output: Sendable {
        public var tokens: [Token]
        /// Brackets opened and not closed, outermost first.
        public var openBrackets: [Token]
        /// The cell ends inside a string literal.
        public var endsInsideString: Bool
    }

    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var line = 1
    private var column = 1
    private var tokens: [Token] = []
    private var openBrackets: [Token] = []
    private var endsInsideString = false

    public init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    public static func tokenize(_ text: String) -> Output {
        var lexer = Lexer(text)
        return lexer.run()
    }

    private var position: SourcePosition { SourcePosition(offset: index, line: line, column: column) }

    private func peek(_ ahead: Int = 0) -> Unicode.Scalar? {
        let i = index + ahead
        return i < scalars.count ? scalars[i] : nil
    }

    private mutating func advance() {
        if scalars[index] == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
        index += 1
    }

    private func text(from start: SourcePosition) -> String {
        var s = String.UnicodeScalarView()
        s.append(contentsOf: scalars[start.offset..<index])
        return String(s)
    }

    private mutating func emit(_ kind: Token.Kind, from start: SourcePosition) {
        tokens.append(Token(kind: kind, range: SourceRange(start, position), text: text(from: start)))
    }

    private mutating func run() -> Output {
        while let c = peek() {
            let start = position
            switch c {
            case " ", "\t", "\r":
                advance()
            case "#":
                while let d = peek(), d != "\n" { advance() }
            case "\n":
                advance()
                // Inside brackets a line break only continues the statement.
                if openBrackets.isEmpty { emit(.newline, from: start) }
            case "=":
                advance()
                emit(.equals, from: start)
            case ",":
                advance()
                emit(.comma, from: start)
            case "[", "(":
                advance()
                emit(c == "[" ? .leftBracket : .leftParenthesis, from: start)
                openBrackets.append(tokens[tokens.count - 1])
            case "]", ")":
                advance()
                emit(c == "]" ? .rightBracket : .rightParenthesis, from: start)
                let expected: Token.Kind = c == "]" ? .leftBracket : .leftParenthesis
                if let last = openBrackets.last, last.kind == expected { openBrackets.removeLast() }
            case ".":
                if peek(1) == "." {
                    advance(); advance()
                    emit(.dotDot, from: start)
                } else {
                    advance()
                    if let d = peek(), Self.isDigit(d) {
                        while let d = peek(), Self.isDigit(d) { advance() }
                        emit(.invalid(message: "a number needs a digit before its point: write 0\(text(from: start))"), from: start)
                    } else {
                        emit(.invalid(message: "a lone `.` means nothing here; ranges are written `a..b`"), from: start)
                    }
                }
            case "\"", "'":
                lexString(quote: c)
            case "-":
                // `n-1` subtracts, while `print -1` and `[0, -1]` hold a negative number:
                // only a value ending right where the `-` starts makes it an operator.
                if let d = peek(1), Self.isDigit(d), !followsValue(at: start) {
                    lexNumber()
                } else {
                    advance()
                    emit(.minus, from: start)
                }
            case "+", "*", "/":
                advance()
                emit(c == "+" ? .plus : c == "*" ? .star : .slash, from: start)
            default:
                if Self.isDigit(c) {
                    lexNumber()
                } else if Self.isIdentifierStart(c) {
                    lexIdentifier()
                } else {
                    advance()
                    emit(.invalid(message: "unexpected character `\(c)`"), from: start)
                }
            }
        }
        tokens.append(Token(kind: .endOfInput, range: SourceRange(position, position), text: ""))
        return Output(tokens: tokens, openBrackets: openBrackets, endsInsideString: endsInsideString)
    }

    /// Whether the last token is a value that ends exactly at `position`.
    private func followsValue(at position: SourcePosition) -> Bool {
        guard let last = tokens.last, last.range.end.offset == position.offset else { return false }
        switch last.kind {
        case .identifier, .integer, .number, .string, .rightParenthesis, .rightBracket: return true
        default: return false
        }
    }

    static func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }
    static func isIdentifierStart(_ c: Unicode.Scalar) -> Bool {
        c == "_" || (c.properties.isAlphabetic && !isDigit(c))
    }
    static func isIdentifierContinue(_ c: Unicode.Scalar) -> Bool {
        c == "_" || isDigit(c) || c.properties.isAlphabetic
    }

    private mutating func lexIdentifier() {
        let start = position
        while let c = peek() {
            if Self.isIdentifierContinue(c) {
                advance()
            } else if c == ".", let next = peek(1), Self.isIdentifierContinue(next) {
                // A dot joins parts of a dotted name (`h.0`); `..` is a range and stops it.
                advance()
            } else {
                break
            }
        }
        emit(.identifier(text(from: start)), from: start)
    }

    private mutating func lexNumber() {
        let start = position
        if peek() == "-" { advance() }
        func digits() {
            while let d = peek(), Self.isDigit(d) || (d == "_" && peek(1).map(Self.isDigit) == true) { advance() }
        }
        digits()
        var isInteger = true
        // A point starts a fraction only when a digit follows; `5..9` is a range.
        if peek() == ".", let d = peek(1), Self.isDigit(d) {
            isInteger = false
            advance()
            digits()
        }
        if let e = peek(), e == "e" || e == "E" {
            let signed = peek(1) == "+" || peek(1) == "-"
            if let d = peek(signed ? 2 : 1), Self.isDigit(d) {
                isInteger = false
                advance()
                if signed { advance() }
                digits()
            }
        }
        // A letter straight after a number (`5x`) is a typo, not two tokens.
        if let c = peek(), Self.isIdentifierStart(c) {
            while let c = peek(), Self.isIdentifierContinue(c) { advance() }
            emit(.invalid(message: "`\(text(from: start))` is not a number or a name; names start with a letter"), from: start)
            return
        }
        let literal = String(text(from: start).filter { $0 != "_" })
        if isInteger {
            if let value = Int(literal) {
                emit(.integer(value), from: start)
            } else {
                emit(.invalid(message: "integer \(literal) is too large (largest is \(Int.max))"), from: start)
            }
        } else if let value = Double(literal), value.isFinite {
            emit(.number(value), from: start)
        } else {
            emit(.invalid(message: "number \(literal) is out of the range of a 64-bit float"), from: start)
        }
    }

    private mutating func lexString(quote: Unicode.Scalar) {
        let start = position
        advance()
        var value = String.UnicodeScalarView()
        var problem: String?
        while true {
            guard let c = peek() else {
                endsInsideString = true
                emit(.invalid(message: "this string is never closed: add \(quote) at its end"), from: start)
                return
            }
            if c == quote {
                advance()
                break
            }
            if c == "\\" {
                let escapeStart = position
                advance()
                guard let e = peek() else { continue }
                advance()
                switch e {
                case "n": value.append("\n")
                case "t": value.append("\t")
                case "r": value.append("\r")
                case "0": value.append("\0")
                case "\\", "\"", "'": value.append(e)
                case "u":
                    if let scalar = lexUnicodeEscape() {
                        value.append(scalar)
                    } else if problem == nil {
                        problem = "bad escape at \(escapeStart): write \\u{hex digits} with a valid code point"
                    }
                default:
                    if problem == nil {
                        problem = "unknown escape \\\(e) at \(escapeStart): known escapes are \\n \\t \\r \\0 \\\\ \\\" \\' \\u{hex}"
                    }
                }
                continue
            }
            value.append(c)
            advance()
        }
        if let problem {
            emit(.invalid(message: problem), from: start)
        } else {
            emit(.string(String(value)), from: start)
        }
    }

    /// Reads `{hex}` after `\u`; nil when malformed (what was read is consumed).
    private mutating func lexUnicodeEscape() -> Unicode.Scalar? {
        guard peek() == "{" else { return nil }
        advance()
        var hex = ""
        while let c = peek(), c != "}", c != "\n", hex.count < 8 {
            hex.unicodeScalars.append(c)
            advance()
        }
        guard peek() == "}" else { return nil }
        advance()
        guard let code = UInt32(hex, radix: 16) else { return nil }
        return Unicode.Scalar(code)
    }
}
