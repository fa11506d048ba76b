/// Turns a cell's tokens into statements. Collects every syntax error with its place
/// (one per statement: after an error the rest of that statement is skipped).
public struct Parser {
    public struct Output: Sendable {
        public var statements: [Statement]
        public var diagnostics: [Diagnostic]
        public var lexed: Lexer.Output
    }

    /// How deep lists and calls may nest. Parsing, checking and freeing a value all recurse
    /// once per level, so without a bound a cell of a few thousand `[` overflows the
    /// stack and kills the kernel; real arguments nest two or three levels.
    public static let maximumNesting = 32
    /// How many arithmetic operators one statement may hold. Each one is a level of the
    /// expression tree that checking recurses through (`1+1+1...` nests to the left), so
    /// this bounds the recursion as `maximumNesting` does for brackets.
    public static let maximumOperators = 256

    private let tokens: [Token]
    private var index = 0
    private var nesting = 0
    private var operatorCount = 0
    private var diagnostics: [Diagnostic] = []

    private init(tokens: [Token]) {
        self.tokens = tokens
    }

    public static func parse(_ text: String) -> Output {
        let lexed = Lexer.tokenize(text)
        var parser = Parser(tokens: lexed.tokens)
        let statements = parser.parseCell()
        var diagnostics = parser.diagnostics
        for bracket in lexed.openBrackets {
            let closing = bracket.kind == .leftBracket ? "]" : ")"
            diagnostics.append(Diagnostic(
                .syntaxError, "`\(bracket.text)` is never closed", at: bracket.range,
                hint: "add `\(closing)` after the last element"))
        }
        return Output(statements: statements, diagnostics: diagnostics, lexed: lexed)
    }

    private var current: Token { tokens[min(index, tokens.count - 1)] }
    private func peek(_ ahead: Int) -> Token { tokens[min(index + ahead, tokens.count - 1)] }
    private mutating func advance() { if index < tokens.count - 1 { index += 1 } }

    private var atStatementEnd: Bool {
        switch current.kind {
        case .newline, .endOfInput: return true
        default: return false
        }
    }

    /// Thrown inside a statement to abandon it after recording a diagnostic.
    private struct Abandon: Error {}

    private mutating func fail(_ message: String, at range: SourceRange, hint: String? = nil) -> Abandon {
        diagnostics.append(Diagnostic(.syntaxError, message, at: range, hint: hint))
        return Abandon()
    }

    private mutating func parseCell() -> [Statement] {
        var statements: [Statement] = []
        while true {
            while current.kind == .newline { advance() }
            if current.kind == .endOfInput { break }
            do {
                statements.append(try parseStatement())
            } catch {
                while !atStatementEnd { advance() }
            }
        }
        return statements
    }

    private mutating func parseStatement() throws -> Statement {
        let start = current.range
        operatorCount = 0
        var target: (name: String, range: SourceRange)?
        if let name = current.identifier, peek(1).kind == .equals {
            target = (name, current.range)
            advance()
            let equals = current
            advance()
            if atStatementEnd {
                throw fail("nothing after `=`", at: equals.range,
                           hint: "write a command or a value after `=`, as in `\(name) = task chebyshev degree=5` or `\(name) = 3`")
            }
        }
        let body: Statement.Body
        if let name = current.identifier, !startsValueExpression(after: name) {
            let nameRange = current.range
            advance()
            var arguments: [CommandArgument] = []
            while !atStatementEnd {
                arguments.append(try parseArgument())
            }
            body = .command(CommandCall(name: name, nameRange: nameRange, arguments: arguments))
        } else {
            let value = try parseExpression()
            if !atStatementEnd {
                throw fail("unexpected `\(current.text)` after a value", at: current.range,
                           hint: "a line holds one command, or one value to show; commands start with their name, as in `print \(value.kind.literalHint)`")
            }
            body = .expression(value)
        }
        let end = tokens[max(0, index - 1)].range
        return Statement(target: target, body: body, range: start.union(end))
    }

    /// A leading word that is really the start of a value: `true`, `ridge(0.2)`, `a..b`.
    private func startsValueExpression(after name: String) -> Bool {
        if name == "true" || name == "false" { return true }
        let next = peek(1)
        switch next.kind {
        case .leftParenthesis: return next.range.start == current.range.end
        case .dotDot: return true
        // `steps*2` or `a - b` alone on a line is a value; `print -x` is a command.
        case .plus, .star, .slash, .minus: return binaryOperator(at: index + 1) != nil
        default: return false
        }
    }

    /// The operator of the token at `position` when it joins the value before it to the
    /// one after it. A `-` with a space before it and none after (`print a -b`) starts a
    /// new negative value instead, as `-1` does.
    private func binaryOperator(at position: Int) -> ArithmeticOperator? {
        let token = tokens[min(position, tokens.count - 1)]
        switch token.kind {
        case .plus: return .add
        case .star: return .multiply
        case .slash: return .divide
        case .minus:
            guard position > 0 else { return nil }
            let touchesLeft = tokens[position - 1].range.end.offset == token.range.start.offset
            let touchesRight = tokens[min(position + 1, tokens.count - 1)].range.start.offset == token.range.end.offset
            return touchesLeft || !touchesRight ? .subtract : nil
        default: return nil
        }
    }

    private mutating func countOperator(_ token: Token) throws {
        operatorCount += 1
        if operatorCount > Self.maximumOperators {
            throw fail("more than \(Self.maximumOperators) arithmetic operators in one statement", at: token.range,
                       hint: "keep intermediate results under names, as in `half = steps/2`")
        }
    }

    private mutating func parseArgument() throws -> CommandArgument {
        if let key = current.identifier, peek(1).kind == .equals {
            let keyRange = current.range
            advance()
            let equals = current
            advance()
            if atStatementEnd {
                throw fail("`\(key)=` has no value", at: equals.range,
                           hint: "write the value straight after `=`, as in \(key)=10")
            }
            return CommandArgument(key: key, keyRange: keyRange, value: try parseExpression())
        }
        if current.kind == .equals {
            throw fail("`=` needs a key before it", at: current.range,
                       hint: "write key=value with no space before `=`, or `name = command` at the start of a line")
        }
        let value = try parseExpression()
        return CommandArgument(key: nil, keyRange: value.range, value: value)
    }

    private mutating func parseExpression() throws -> Expression {
        let lower = try parseSum()
        guard current.kind == .dotDot else { return lower }
        let dots = current
        advance()
        if atStatementEnd || current.kind == .comma || current.kind == .rightBracket || current.kind == .rightParenthesis {
            throw fail("range has no upper end", at: dots.range, hint: "write both ends, as in 0..11")
        }
        let upper = try parseSum()
        if current.kind == .dotDot {
            throw fail("a range has two ends", at: current.range, hint: "write lower..upper, as in 5..81")
        }
        return Expression(.range(lower, upper), lower.range.union(upper.range))
    }

    /// `a + b - c`: products joined by `+` and `-`, from the left.
    private mutating func parseSum() throws -> Expression {
        var left = try parseProduct()
        while let op = binaryOperator(at: index), op.precedence == 1 {
            left = try parseRightOperand(of: op, after: left) { try $0.parseProduct() }
        }
        return left
    }

    /// `a * b / c`: signed values joined by `*` and `/`, from the left.
    private mutating func parseProduct() throws -> Expression {
        var left = try parseSigned()
        while let op = binaryOperator(at: index), op.precedence == 2 {
            left = try parseRightOperand(of: op, after: left) { try $0.parseSigned() }
        }
        return left
    }

    private mutating func parseRightOperand(of op: ArithmeticOperator, after left: Expression,
                                            _ operand: (inout Parser) throws -> Expression) throws -> Expression {
        let token = current
        try countOperator(token)
        advance()
        if atStatementEnd || [.comma, .rightBracket, .rightParenthesis, .dotDot].contains(current.kind) {
            throw fail("`\(token.text)` needs a value after it", at: token.range, hint: "write both sides, as in steps*2 or lr/10")
        }
        let right = try operand(&self)
        return Expression(.binary(op, left, right), left.range.union(right.range))
    }

    /// `-x`, `--x`: a value with minus signs in front (counted in a loop, not recursion).
    private mutating func parseSigned() throws -> Expression {
        var signs: [Token] = []
        while current.kind == .minus {
            try countOperator(current)
            signs.append(current)
            advance()
        }
        var value = try parsePrimary()
        for sign in signs.reversed() { value = Expression(.negate(value), sign.range.union(value.range)) }
        return value
    }

    /// Runs `body` one nesting level deeper (inside a list or a call's parentheses).
    private mutating func nested<T>(opening token: Token, _ body: (inout Parser) throws -> T) throws -> T {
        if nesting >= Self.maximumNesting {
            throw fail("lists and calls nest more than \(Self.maximumNesting) levels deep here", at: token.range,
                       hint: "flatten the value: arguments need at most a few levels, as in [lstsq, ridge(0.2)]")
        }
        nesting += 1
        defer { nesting -= 1 }
        return try body(&self)
    }

    private mutating func parsePrimary() throws -> Expression {
        let token = current
        switch token.kind {
        case .integer(let value):
            advance()
            return Expression(.integer(value), token.range)
        case .number(let value):
            advance()
            return Expression(.number(value), token.range)
        case .string(let value):
            advance()
            return Expression(.string(value), token.range)
        case .identifier(let name):
            advance()
            if name == "true" || name == "false" { return Expression(.boolean(name == "true"), token.range) }
            if current.kind == .leftParenthesis, current.range.start == token.range.end {
                return try nested(opening: current) { try $0.parseCall(name: name, nameToken: token) }
            }
            return Expression(.name(name), token.range)
        case .leftBracket:
            return try nested(opening: token) { try $0.parseList(opening: token) }
        case .invalid(let message):
            throw fail(message, at: token.range)
        case .leftParenthesis:
            return try nested(opening: token) { try $0.parseGroup(opening: token) }
        case .newline, .endOfInput:
            throw fail("expected a value here", at: token.range, hint: "values are numbers, \"strings\", names, a..b, [lists] or calls like ridge(0.2)")
        default:
            throw fail("expected a value, found `\(token.text)`", at: token.range,
                       hint: "values are numbers, \"strings\", names, a..b, [lists] or calls like ridge(0.2)")
        }
    }

    /// `(a + b)`: a value in parentheses, to group arithmetic.
    private mutating func parseGroup(opening token: Token) throws -> Expression {
        advance()  // (
        if current.kind == .endOfInput { throw Abandon() }
        if current.kind == .rightParenthesis {
            throw fail("empty parentheses hold no value", at: token.range.union(current.range),
                       hint: "parentheses group arithmetic, as in (a+b)*2; calls have their name straight before `(`, as in ridge(0.2)")
        }
        let inner = try parseExpression()
        guard current.kind == .rightParenthesis else {
            if current.kind == .endOfInput { throw Abandon() }
            throw fail("expected `)` after the value in parentheses, found `\(current.text)`", at: current.range,
                       hint: "parentheses hold one value, as in (a+b)*2")
        }
        let close = current
        advance()
        return Expression(inner.kind, token.range.union(close.range))
    }

    private mutating func parseList(opening token: Token) throws -> Expression {
        advance()  // [
        var elements: [Expression] = []
        while current.kind != .rightBracket {
            if current.kind == .endOfInput {
                // The lexer's open-bracket list reports this one once.
                throw Abandon()
            }
            elements.append(try parseExpression())
            if current.kind == .comma {
                advance()
            } else if current.kind != .rightBracket {
                if current.kind == .endOfInput { throw Abandon() }
                throw fail("expected `,` or `]` in the list, found `\(current.text)`", at: current.range,
                           hint: "separate list elements with commas, as in [lstsq, ridge(0.2), zero]")
            }
        }
        let close = current
        advance()
        return Expression(.list(elements), token.range.union(close.range))
    }

    private mutating func parseCall(name: String, nameToken: Token) throws -> Expression {
        advance()  // (
        var arguments: [Expression] = []
        while current.kind != .rightParenthesis {
            if current.kind == .endOfInput { throw Abandon() }
            arguments.append(try parseExpression())
            if current.kind == .comma {
                advance()
            } else if current.kind != .rightParenthesis {
                if current.kind == .endOfInput { throw Abandon() }
                throw fail("expected `,` or `)` in the arguments of \(name), found `\(current.text)`", at: current.range,
                           hint: "write \(name)(value) or \(name)(value, value)")
            }
        }
        let close = current
        advance()
        return Expression(.call(name: name, arguments: arguments), nameToken.range.union(close.range))
    }
}

extension Expression.Kind {
    /// A short rendering used in hints.
    var literalHint: String {
        switch self {
        case .string(let s): return "\"\(s)\""
        default: return "\"text\""
        }
    }
}
