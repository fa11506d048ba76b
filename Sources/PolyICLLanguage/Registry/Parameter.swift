/// One argument a command accepts: positional or `key=value`.
public struct Parameter: Sendable {
    public var name: String
    public var type: ValueType
    /// Used when the argument is not given (shown in help).
    public var defaultValue: Value?
    public var isRequired: Bool
    /// A positional parameter that takes all remaining positional values (last only).
    public var isVariadic: Bool
    public var help: String

    public init(_ name: String, _ type: ValueType, default defaultValue: Value? = nil, required: Bool = false,
                variadic: Bool = false, help: String) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.isRequired = required
        self.isVariadic = variadic
        self.help = help
    }

    /// One help line: what it is, what it must be, its default.
    var helpLine: String {
        var parts = [help]
        parts.append("\(type.phrase.capitalizedFirst).")
        if let defaultValue { parts.append("Default \(defaultValue.compactDescription).") }
        if isRequired { parts.append("Required.") }
        return parts.joined(separator: " ")
    }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}

/// A check across several arguments, or against session objects (dim divisible by heads,
/// points within the model's context, ...), run after every argument has its type.
public typealias CrossCheck = @Sendable (_ arguments: Arguments, _ environment: CheckEnvironment) -> [Diagnostic]

/// One shape of a command. Most commands have one; `task` has one per task family,
/// chosen by its first word (`task chebyshev ...`, `task linear ...`).
public struct CommandForm: Sendable {
    /// The first word that picks this form; nil for a command with a single form.
    public var selector: String?
    public var summary: String
    public var positionals: [Parameter]
    public var keys: [Parameter]
    public var checks: [CrossCheck]

    public init(selector: String? = nil, summary: String = "", positionals: [Parameter] = [], keys: [Parameter] = [],
                checks: [CrossCheck] = []) {
        self.selector = selector
        self.summary = summary
        self.positionals = positionals
        self.keys = keys
        self.checks = checks
    }

    /// Positional parameters may also be given by name (`save model=base path="x"`).
    public var allParameters: [Parameter] { positionals + keys }

    public func parameter(named name: String) -> Parameter? { allParameters.first { $0.name == name } }
}
