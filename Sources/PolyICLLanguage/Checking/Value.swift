/// A checked value: what a command's run body receives for an argument, and what a
/// `value` object in the session holds.
public indirect enum Value: Sendable, Hashable, CustomStringConvertible {
    case integer(Int)
    case number(Double)
    case string(String)
    case boolean(Bool)
    /// An enumerated word such as `adam` or `stderr`.
    case word(String)
    case integerRange(ClosedRange<Int>)
    case numberRange(lower: Double, upper: Double)
    case list([Value])
    case call(name: String, arguments: [Value])
    /// A reference to a named session object, resolved when the command runs.
    case objectName(String)

    /// How the value is written in the language, so a shown value can be typed back in.
    public var description: String {
        switch self {
        case .integer(let v): return String(v)
        case .number(let v): return Value.format(v)
        case .string(let s): return Value.quote(s)
        case .boolean(let b): return b ? "true" : "false"
        case .word(let w), .objectName(let w): return w
        case .integerRange(let r): return "\(r.lowerBound)..\(r.upperBound)"
        case .numberRange(let lower, let upper): return "\(Value.format(lower))..\(Value.format(upper))"
        case .list(let elements): return "[" + elements.map(\.description).joined(separator: ", ") + "]"
        case .call(let name, let arguments): return name + "(" + arguments.map(\.description).joined(separator: ", ") + ")"
        }
    }

    /// As written, but with whole numbers without their ".0" (for help pages, where
    /// `noise=0` reads better than `noise=0.0` and types back the same).
    public var compactDescription: String {
        switch self {
        case .number(let v): return Value.format(v).trimmingZeroFraction
        case .numberRange(let lower, let upper):
            return Value.format(lower).trimmingZeroFraction + ".." + Value.format(upper).trimmingZeroFraction
        case .list(let elements): return "[" + elements.map(\.compactDescription).joined(separator: ", ") + "]"
        case .call(let name, let arguments): return name + "(" + arguments.map(\.compactDescription).joined(separator: ", ") + ")"
        default: return description
        }
    }

    /// The text `print` writes: strings without quotes, everything else as written.
    public var plainText: String {
        if case .string(let s) = self { return s }
        return description
    }

    /// Shortest text that reads back as the same Double (Swift's description), with
    /// integral values keeping a `.0` so they stay numbers.
    static func format(_ v: Double) -> String { v.description }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\0": out += "\\0"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// The value of an expression taken as written, with no expected type: names become
    /// session references, ranges of integers integer ranges. Arithmetic has no value
    /// before the checker evaluates it against the session, so it stays as its text.
    public init(literal expression: Expression) {
        switch expression.kind {
        case .integer(let v): self = .integer(v)
        case .number(let v): self = .number(v)
        case .string(let s): self = .string(s)
        case .boolean(let b): self = .boolean(b)
        case .name(let n): self = .objectName(n)
        case .range(let lower, let upper):
            if case .integer(let a) = lower.kind, case .integer(let b) = upper.kind, a <= b {
                self = .integerRange(a...b)
            } else {
                self = .numberRange(lower: Value.numeric(lower) ?? .nan, upper: Value.numeric(upper) ?? .nan)
            }
        case .list(let elements): self = .list(elements.map(Value.init(literal:)))
        case .call(let name, let arguments): self = .call(name: name, arguments: arguments.map(Value.init(literal:)))
        case .negate, .binary: self = .word(expression.sourceText)
        }
    }

    /// "the string \"abc\"", "the integer 3", for messages about what a name holds.
    public var phrase: String {
        switch self {
        case .integer(let v): return "the integer \(v)"
        case .number(let v): return "the number \(Value.format(v))"
        case .string(let s): return "the string \(Value.quote(s))"
        case .boolean(let b): return "the boolean \(b)"
        case .word(let w): return "the word `\(w)`"
        case .objectName(let n): return "the name `\(n)`"
        case .integerRange, .numberRange: return "the range \(description)"
        case .list: return "the list \(Value.shortened(description))"
        case .call: return "the call \(Value.shortened(description))"
        }
    }

    /// Long lists cut for messages.
    static func shortened(_ text: String) -> String {
        text.unicodeScalars.count <= 60 ? text : String(String.UnicodeScalarView(text.unicodeScalars.prefix(57))) + "…"
    }

    static func numeric(_ e: Expression) -> Double? {
        switch e.kind {
        case .integer(let v): return Double(v)
        case .number(let v): return v
        default: return nil
        }
    }

    /// The value is a session name or a list of them: what a name holds that may stand
    /// where objects are expected (`models = [pre, ft]` then `compare models ...`).
    var isObjectReference: Bool {
        switch self {
        case .objectName: return true
        case .list(let elements): return !elements.isEmpty && elements.allSatisfy(\.isObjectReference)
        default: return false
        }
    }

    public var integerValue: Int? { if case .integer(let v) = self { return v }; return nil }
    public var numberValue: Double? {
        switch self {
        case .integer(let v): return Double(v)
        case .number(let v): return v
        default: return nil
        }
    }
    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var booleanValue: Bool? { if case .boolean(let b) = self { return b }; return nil }
    public var wordValue: String? { if case .word(let w) = self { return w }; return nil }
    public var objectNameValue: String? { if case .objectName(let n) = self { return n }; return nil }
    public var listValue: [Value]? { if case .list(let l) = self { return l }; return nil }
}


extension Expression {
    /// The value written back as an expression, every part placed at `range` (where the
    /// name that held it is used), so checking it points there.
    init(value: Value, at range: SourceRange) {
        let kind: Kind
        switch value {
        case .integer(let v): kind = .integer(v)
        case .number(let v): kind = .number(v)
        case .string(let s): kind = .string(s)
        case .boolean(let b): kind = .boolean(b)
        case .word(let w), .objectName(let w): kind = .name(w)
        case .integerRange(let r): kind = .range(Expression(.integer(r.lowerBound), range), Expression(.integer(r.upperBound), range))
        case .numberRange(let lower, let upper): kind = .range(Expression(.number(lower), range), Expression(.number(upper), range))
        case .list(let elements): kind = .list(elements.map { Expression(value: $0, at: range) })
        case .call(let name, let arguments): kind = .call(name: name, arguments: arguments.map { Expression(value: $0, at: range) })
        }
        self.init(kind, range)
    }
}
