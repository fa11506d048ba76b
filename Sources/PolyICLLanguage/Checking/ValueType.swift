/// Inclusive bounds on an integer argument.
public struct IntegerBounds: Sendable, Hashable {
    public var minimum: Int?
    public var maximum: Int?
    public init(minimum: Int? = nil, maximum: Int? = nil) {
        self.minimum = minimum
        self.maximum = maximum
    }
    public static let any = IntegerBounds()
    public static let positive = IntegerBounds(minimum: 1)
    public static let nonNegative = IntegerBounds(minimum: 0)

    public func contains(_ v: Int) -> Bool { (minimum.map { v >= $0 } ?? true) && (maximum.map { v <= $0 } ?? true) }

    /// "≥ 1", "from 0 to 11", or "" when unbounded.
    public var phrase: String {
        switch (minimum, maximum) {
        case (let a?, let b?): return "from \(a) to \(b)"
        case (let a?, nil): return a == 1 ? "at least 1" : "at least \(a)"
        case (nil, let b?): return "at most \(b)"
        case (nil, nil): return ""
        }
    }
}

/// Bounds on a real argument; each end may be open or closed.
public struct NumberBounds: Sendable, Hashable {
    public var minimum: Double?
    public var minimumIncluded: Bool
    public var maximum: Double?
    public var maximumIncluded: Bool
    public init(minimum: Double? = nil, minimumIncluded: Bool = true, maximum: Double? = nil, maximumIncluded: Bool = true) {
        self.minimum = minimum
        self.minimumIncluded = minimumIncluded
        self.maximum = maximum
        self.maximumIncluded = maximumIncluded
    }
    public static let any = NumberBounds()
    /// > 0: learning rates, scales.
    public static let positive = NumberBounds(minimum: 0, minimumIncluded: false)
    /// ≥ 0: noise variances, ridge λ, clipping.
    public static let nonNegative = NumberBounds(minimum: 0)

    public func contains(_ v: Double) -> Bool {
        guard v.isFinite else { return false }
        if let a = minimum, minimumIncluded ? v < a : v <= a { return false }
        if let b = maximum, maximumIncluded ? v > b : v >= b { return false }
        return true
    }

    public var phrase: String {
        let low = minimum.map { (minimumIncluded ? "≥ " : "> ") + Value.format($0).trimmingZeroFraction }
        let high = maximum.map { (maximumIncluded ? "≤ " : "< ") + Value.format($0).trimmingZeroFraction }
        return [low, high].compactMap { $0 }.joined(separator: " and ")
    }
}

extension String {
    /// "0.0" -> "0" for messages.
    var trimmingZeroFraction: String { hasSuffix(".0") ? String(dropLast(2)) : self }
}

/// A function usable as a value, such as the baselines `lstsq`, `ridge(0.2)`, `zero`.
public struct FunctionDeclaration: Sendable, Hashable {
    public var name: String
    public var parameters: [(name: String, type: ValueType)] {
        zip(parameterNames, parameterTypes).map { ($0, $1) }
    }
    private var parameterNames: [String]
    private var parameterTypes: [ValueType]
    public var help: String

    public init(_ name: String, parameters: [(name: String, type: ValueType)] = [], help: String) {
        self.name = name
        self.parameterNames = parameters.map(\.name)
        self.parameterTypes = parameters.map(\.type)
        self.help = help
    }

    /// `ridge(λ)`.
    public var signature: String {
        parameterNames.isEmpty ? name : name + "(" + parameterNames.joined(separator: ", ") + ")"
    }
}

/// What an argument must be. Every check, completion and help line about a value comes
/// from here.
public indirect enum ValueType: Sendable, Hashable {
    case integer(IntegerBounds)
    case number(NumberBounds)
    case string
    /// A file path as a string; `mustExist` for inputs, `extensions` (without dots) when
    /// the file's format follows from its name.
    case path(mustExist: Bool, extensions: [String])
    /// true/false; the words on/off and yes/no are accepted too.
    case boolean
    /// One of a fixed set of words.
    case word([String])
    /// `a..b` of integers with a ≤ b, both ends within the bounds.
    case integerRange(IntegerBounds)
    /// `a..b` of numbers with a < b.
    case numberRange(NumberBounds)
    /// The name of a session object of one of these kinds (any kind when empty).
    case objectName([ObjectKind])
    /// `[a, b, ...]` of the element type; a single element is accepted without brackets.
    case list(ValueType)
    /// A call to one of these functions; one without parameters may be written bare.
    case function([FunctionDeclaration])
    /// The first alternative that accepts the value.
    case oneOf([ValueType])
    /// Any literal, or the name of any session object (for `print`, `display`).
    case anyValue
    /// The name of a command of the registry (for `help`).
    case commandName

    /// "an integer ≥ 1", "one of adam, sgd", "the name of a model", ...
    public var phrase: String {
        switch self {
        case .integer(let b): return b.phrase.isEmpty ? "an integer" : "an integer \(b.phrase)"
        case .number(let b): return b.phrase.isEmpty ? "a number" : "a number \(b.phrase)"
        case .string: return "a string in quotes"
        case .path(_, let extensions):
            return extensions.isEmpty ? "a file path in quotes"
                : "a file path in quotes ending in " + extensions.map { ".\($0)" }.joined(separator: " or ")
        case .boolean: return "true or false (or on/off)"
        case .word(let words): return "one of " + Self.abbreviated(words).joined(separator: ", ")
        case .integerRange(let b): return "an integer range a..b" + (b.phrase.isEmpty ? "" : " with both ends \(b.phrase)")
        case .numberRange(let b): return "a range of numbers a..b" + (b.phrase.isEmpty ? "" : " with both ends \(b.phrase)")
        case .objectName(let kinds):
            return kinds.isEmpty ? "the name of a session object" : "the name of " + kinds.map(\.withArticle).joined(separator: " or ")
        case .list(let element): return "a list [...] of \(element.phrase.pluralPhrase)"
        case .function(let functions): return functions.map(\.signature).joined(separator: ", ")
        case .oneOf(let types): return types.map(\.phrase).joined(separator: ", or ")
        case .anyValue: return "a value or a session name"
        case .commandName: return "the name of a command"
        }
    }

    /// Short placeholder for usage lines: `<int>`, `<name:model>`, `adam|sgd`.
    public var placeholder: String {
        switch self {
        case .integer: return "INT"
        case .number: return "NUMBER"
        case .string: return "\"TEXT\""
        case .path: return "\"PATH\""
        case .boolean: return "true|false"
        case .word(let words): return Self.abbreviated(words).joined(separator: "|")
        case .integerRange: return "INT..INT"
        case .numberRange: return "NUMBER..NUMBER"
        case .objectName(let kinds): return kinds.isEmpty ? "NAME" : kinds.map { $0.name.uppercased() }.joined(separator: "|")
        case .list(let element): return "[\(element.placeholder), ...]"
        case .function(let functions): return functions.map(\.signature).joined(separator: "|")
        case .oneOf(let types): return types.map(\.placeholder).joined(separator: "|")
        case .anyValue: return "VALUE"
        case .commandName: return "COMMAND"
        }
    }

    /// Long enumerations (the 64 block names of `freeze`) shortened for help: the first
    /// four, "…", the last three.
    static func abbreviated(_ words: [String]) -> [String] {
        words.count <= 10 ? words : Array(words.prefix(4)) + ["…"] + Array(words.suffix(3))
    }

    /// Words that complete a value of this type (enumerations, booleans, functions).
    public var completionWords: [String] {
        switch self {
        case .boolean: return ["true", "false"]
        case .word(let words): return words
        case .list(let element): return element.completionWords
        case .function(let functions): return functions.map { $0.parameters.isEmpty ? $0.name : $0.name + "(" }
        case .oneOf(let types): return types.flatMap(\.completionWords)
        default: return []
        }
    }

    /// Kinds of session names that complete a value of this type (nil: none). Where a
    /// number, a string or a range is typed, a name holding one may stand instead.
    public var completionKinds: [ObjectKind]? {
        switch self {
        case .integer, .number, .string, .path, .integerRange, .numberRange: return [.value]
        case .objectName(let kinds): return kinds
        case .anyValue: return []
        case .list(let element): return element.completionKinds
        case .oneOf(let types): return types.compactMap(\.completionKinds).first
        default: return nil
        }
    }
}

extension String {
    /// "an integer ≥ 1" -> "integers ≥ 1" (good enough for list phrases).
    var pluralPhrase: String {
        if hasPrefix("one of ") || hasPrefix("the name of ") { return "elements, each \(self)" }
        var words = split(separator: " ", maxSplits: 2).map(String.init)
        if words.first == "a" || words.first == "an", words.count >= 2 {
            words.removeFirst()
            words[0] += "s"
        }
        return words.joined(separator: " ")
    }
}
