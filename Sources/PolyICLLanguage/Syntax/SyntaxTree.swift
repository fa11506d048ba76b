/// A value as written in a cell, before it is checked against what a command expects.
public struct Expression: Sendable, Hashable {
    public indirect enum Kind: Sendable, Hashable {
        case integer(Int)
        case number(Double)
        case string(String)
        case boolean(Bool)
        /// A bare word: a session name, an enumerated word (`adam`, `stderr`), ...
        case name(String)
        /// `lower..upper`, both ends included.
        case range(Expression, Expression)
        case list([Expression])
        /// `ridge(0.2)`: a word with arguments.
        case call(name: String, arguments: [Expression])
        /// `-x`: minus a number.
        case negate(Expression)
        /// `steps*2`, `lr/10`, `a+b`: arithmetic on numbers, evaluated by the checker.
        case binary(ArithmeticOperator, Expression, Expression)
    }

    public var kind: Kind
    public var range: SourceRange

    public init(_ kind: Kind, _ range: SourceRange) {
        self.kind = kind
        self.range = range
    }
}

/// The operators of arithmetic on numbers, in `steps*2`, `lr/10`, `a+b`, `a-b`.
public enum ArithmeticOperator: String, Sendable, Hashable {
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"

    /// Binding strength: products before sums.
    var precedence: Int { self == .add || self == .subtract ? 1 : 2 }
}

/// One argument of a command: `key=value` or a positional value.
public struct CommandArgument: Sendable, Hashable {
    public var key: String?
    /// Where the key is written (the value's range for positional arguments).
    public var keyRange: SourceRange
    public var value: Expression

    public var range: SourceRange { keyRange.union(value.range) }
}

/// `name arguments...`. A lone word parses as a command call with no arguments; the
/// checker decides whether it names a command or a session object.
public struct CommandCall: Sendable, Hashable {
    public var name: String
    public var nameRange: SourceRange
    public var arguments: [CommandArgument]
}

/// One line of a cell (or several lines joined inside brackets).
public struct Statement: Sendable, Hashable {
    public enum Body: Sendable, Hashable {
        case command(CommandCall)
        /// A bare literal, list, range or call whose value is shown.
        case expression(Expression)
    }

    /// `name =` in front of the statement: where the result is kept.
    public var target: (name: String, range: SourceRange)? {
        get { targetName.map { ($0, targetRange ?? range) } }
        set {
            targetName = newValue?.name
            targetRange = newValue?.range
        }
    }
    private var targetName: String?
    private var targetRange: SourceRange?
    public var body: Body
    public var range: SourceRange

    public init(target: (name: String, range: SourceRange)?, body: Body, range: SourceRange) {
        self.targetName = target?.name
        self.targetRange = target?.range
        self.body = body
        self.range = range
    }
}
