/// The checked arguments of one command, with defaults filled in and the place each was
/// written (for cross-checks and run-time errors that point at an argument).
public struct Arguments: Sendable {
    public let command: String
    /// The selector of the chosen form (`chebyshev`), if the command has forms.
    public let form: String?
    public let commandRange: SourceRange
    private var values: [String: Value]
    private var ranges: [String: SourceRange]
    /// Names given explicitly in the cell (the rest come from defaults).
    public private(set) var given: Set<String>

    init(command: String, form: String?, commandRange: SourceRange) {
        self.command = command
        self.form = form
        self.commandRange = commandRange
        values = [:]
        ranges = [:]
        given = []
    }

    mutating func set(_ name: String, _ value: Value, at range: SourceRange?) {
        values[name] = value
        if let range {
            ranges[name] = range
            given.insert(name)
        }
    }

    public subscript(name: String) -> Value? { values[name] }
    public func isGiven(_ name: String) -> Bool { given.contains(name) }
    /// Where the argument was written, or the command's name when it took its default.
    public func range(of name: String) -> SourceRange { ranges[name] ?? commandRange }

    public func integer(_ name: String) -> Int? { values[name]?.integerValue }
    public func number(_ name: String) -> Double? { values[name]?.numberValue }
    public func string(_ name: String) -> String? { values[name]?.stringValue }
    public func boolean(_ name: String) -> Bool? { values[name]?.booleanValue }
    public func word(_ name: String) -> String? { values[name]?.wordValue }
    public func objectName(_ name: String) -> String? { values[name]?.objectNameValue }
    public func list(_ name: String) -> [Value]? { values[name]?.listValue }
    public func integerRange(_ name: String) -> ClosedRange<Int>? {
        switch values[name] {
        case .integerRange(let r)?: return r
        case .integer(let v)?: return v...v
        default: return nil
        }
    }
    public func numberRange(_ name: String) -> (lower: Double, upper: Double)? {
        if case .numberRange(let a, let b)? = values[name] { return (a, b) }
        return nil
    }
}
