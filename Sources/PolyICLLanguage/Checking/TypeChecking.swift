#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Checks one expression against the type a parameter expects.
///
/// A name that holds a value (`steps = 200`) stands for that value wherever a plain value
/// is expected, and arithmetic (`steps*2`) is evaluated, both before anything runs; where
/// a key takes session objects or words, a name keeps that meaning.
struct TypeChecker {
    let environment: CheckEnvironment
    /// "key `steps` of train", for messages.
    let subject: String
    /// The argument as written (`steps=steps`), to open messages about what a name holds.
    var label: String?
    /// Names being replaced by their values: a list that names itself stops here.
    var substituting: Set<String> = []

    init(environment: CheckEnvironment, subject: String, label: String? = nil) {
        self.environment = environment
        self.subject = subject
        self.label = label
    }

    func check(_ e: Expression, against type: ValueType) -> Result<Value, Diagnostic> {
        switch e.kind {
        case .negate, .binary:
            switch evaluate(e, in: e) {
            case .failure(let d): return .failure(d)
            case .success(let computed):
                return checkWritten(Expression(value: computed, at: e.range), against: type)
                    .mapError { explain($0, computedBy: e, as: computed, expected: type) }
            }
        case .name(let name):
            guard let held = environment.value(of: name), substitutes(name, holding: held.value, for: type) else { break }
            if substituting.contains(name) {
                return .failure(Diagnostic(.invalidValue, "`\(name)` holds a list that names `\(name)` itself", at: e.range,
                                           hint: "give `\(name)` a value that does not name it"))
            }
            var inner = self
            inner.substituting.insert(name)
            return inner.checkWritten(Expression(value: held.value, at: e.range), against: type)
                .mapError { explain($0, name: name, holding: held.value, from: held.source, expected: type) }
        default:
            break
        }
        return checkWritten(e, against: type)
    }

    /// Whether `name`, which holds `value`, stands for its value where `type` is expected:
    /// everywhere a plain value goes, but not where the name itself is meaningful (an
    /// allowed word, a function, any session object) and, where objects of some kinds are
    /// expected, only when the value names objects (`models = [pre, ft]`).
    private func substitutes(_ name: String, holding value: Value, for type: ValueType) -> Bool {
        switch type {
        case .integer, .number, .string, .path, .integerRange, .numberRange: return true
        case .boolean: return !["on", "off", "yes", "no"].contains(name)
        case .word(let words): return !words.contains(name)
        case .function(let functions): return !functions.contains { $0.name == name }
        case .objectName(let kinds): return !kinds.isEmpty && !kinds.contains(.value) && value.isObjectReference
        case .list(let element): return substitutes(name, holding: value, for: element)
        case .oneOf(let types): return types.allSatisfy { substitutes(name, holding: value, for: $0) }
        case .anyValue, .commandName: return false
        }
    }

    /// A failure of a name's value, told with where the value came from.
    private func explain(_ d: Diagnostic, name: String, holding value: Value, from source: ValueSource, expected type: ValueType) -> Diagnostic {
        var d = d
        if d.kind == .wrongType {
            d.message = "\(label ?? subject): `\(name)` holds \(value.phrase) (\(source.phrase)), expected \(type.phrase)"
        } else {
            d.message += " (`\(name)` holds \(value.phrase), \(source.phrase))"
        }
        return d
    }

    private func explain(_ d: Diagnostic, computedBy e: Expression, as value: Value, expected type: ValueType) -> Diagnostic {
        var d = d
        if d.kind == .wrongType {
            d.message = "\(label ?? subject): \(e.sourceText) is \(value.phrase), expected \(type.phrase)"
        } else {
            d.message += " (computed from \(e.sourceText))"
        }
        return d
    }

    /// Evaluates arithmetic on numbers: integers stay integers under `+ - *`, `/` gives a
    /// number. `whole` is the outermost expression, for messages.
    func evaluate(_ e: Expression, in whole: Expression) -> Result<Value, Diagnostic> {
        switch e.kind {
        case .integer(let v): return .success(.integer(v))
        case .number(let v): return .success(.number(v))
        case .name(let name):
            guard let held = environment.value(of: name) else {
                if let kind = environment.kind(of: name) {
                    return .failure(Diagnostic(.wrongKind, "\(whole.sourceText): `\(name)` is \(kind.withArticle), not a number", at: e.range,
                                               hint: "arithmetic works on numbers and on names that hold them"))
                }
                let values = environment.names(ofKinds: [.value])
                return .failure(Diagnostic(.unknownName, "\(whole.sourceText): no value named `\(name)` in this session", at: e.range,
                                           hint: Suggestions.didYouMean(name, among: values)
                                               ?? (values.isEmpty ? "keep a number under a name first, as in `\(name) = 10`" : "values in this session: " + values.prefix(8).joined(separator: ", "))))
            }
            switch held.value {
            case .integer, .number: return .success(held.value)
            default:
                return .failure(Diagnostic(.wrongType, "\(whole.sourceText): `\(name)` holds \(held.value.phrase) (\(held.source.phrase)), expected a number",
                                           at: e.range, hint: "arithmetic works on numbers only"))
            }
        case .negate(let inner):
            return evaluate(inner, in: whole).flatMap { operand in
                switch operand {
                case .integer(let v) where v == Int.min:
                    return .failure(Diagnostic(.outOfRange, "\(whole.sourceText): -(\(v)) is beyond the largest integer, \(Int.max)", at: e.range))
                case .integer(let v): return .success(.integer(-v))
                default: return .success(.number(-(operand.numberValue ?? 0)))
                }
            }
        case .binary(let op, let left, let right):
            let operands = (evaluate(left, in: whole), evaluate(right, in: whole))
            guard case .success(let a) = operands.0 else { return operands.0 }
            guard case .success(let b) = operands.1 else { return operands.1 }
            if case .integer(let x) = a, case .integer(let y) = b, op != .divide {
                let result: (partialValue: Int, overflow: Bool)
                switch op {
                case .add: result = x.addingReportingOverflow(y)
                case .subtract: result = x.subtractingReportingOverflow(y)
                default: result = x.multipliedReportingOverflow(by: y)
                }
                if result.overflow {
                    return .failure(Diagnostic(.outOfRange, "\(whole.sourceText): \(x) \(op.rawValue) \(y) is beyond the integers (±\(Int.max))", at: e.range,
                                               hint: "write a number with a point, as in \(x).0, to compute with floats"))
                }
                return .success(.integer(result.partialValue))
            }
            let x = a.numberValue ?? .nan, y = b.numberValue ?? .nan
            if op == .divide, y == 0 {
                var message = "\(whole.sourceText): division by zero"
                if case .name(let name) = right.kind, let held = environment.value(of: name) {
                    message += " (`\(name)` holds \(held.value.phrase), \(held.source.phrase))"
                }
                return .failure(Diagnostic(.divisionByZero, message, at: right.range, hint: "divide by a number other than 0"))
            }
            let result: Double
            switch op {
            case .add: result = x + y
            case .subtract: result = x - y
            case .multiply: result = x * y
            case .divide: result = x / y
            }
            guard result.isFinite else {
                return .failure(Diagnostic(.outOfRange, "\(whole.sourceText): \(Value.format(x)) \(op.rawValue) \(Value.format(y)) is beyond the largest 64-bit float", at: e.range))
            }
            return .success(.number(result))
        default:
            return .failure(Diagnostic(.wrongType, "\(whole.sourceText): arithmetic works on numbers, not \(e.kind.phrase)", at: e.range,
                                       hint: "arithmetic works on numbers and on names that hold them"))
        }
    }

    /// Whether `e` is a number once names and arithmetic are worked out: a numeric
    /// literal, arithmetic, or a name that holds a value.
    private func isComputedNumber(_ e: Expression) -> Bool {
        switch e.kind {
        case .integer, .number, .negate, .binary: return true
        case .name(let name): return environment.value(of: name) != nil
        default: return false
        }
    }

    /// Written by name or arithmetic rather than as a literal.
    private func isComputed(_ e: Expression) -> Bool {
        switch e.kind {
        case .name, .negate, .binary: return true
        default: return false
        }
    }

    /// " (from `d`, set at line 2)" for a bound that a name or arithmetic gave.
    private func origin(of e: Expression) -> String {
        switch e.kind {
        case .name(let name): return environment.value(of: name).map { " (from `\(name)`, \($0.source.phrase))" } ?? ""
        case .negate, .binary: return " (computed from \(e.sourceText))"
        default: return ""
        }
    }

    private func checkWritten(_ e: Expression, against type: ValueType) -> Result<Value, Diagnostic> {
        switch type {
        case .integer(let bounds):
            let v: Int
            switch e.kind {
            case .integer(let i): v = i
            case .number(let d) where d.rounded() == d && abs(d) < 9.0e15: v = Int(d)
            default: return .failure(wrongType(e, type))
            }
            guard bounds.contains(v) else { return .failure(outOfRange(e, "\(v)", bounds.phrase)) }
            return .success(.integer(v))
        case .number(let bounds):
            guard let v = Value.numeric(e) else { return .failure(wrongType(e, type)) }
            guard bounds.contains(v) else { return .failure(outOfRange(e, Value.format(v).trimmingZeroFraction, bounds.phrase)) }
            return .success(.number(v))
        case .string:
            guard case .string(let s) = e.kind else { return .failure(wrongType(e, type)) }
            return .success(.string(s))
        case .path(let mustExist, let extensions):
            guard case .string(let s) = e.kind else { return .failure(wrongType(e, type)) }
            if s.isEmpty {
                return .failure(Diagnostic(.invalidValue, "\(subject) is an empty path", at: e.range, hint: "write a file path, as in \"models/base.safetensors\""))
            }
            if !extensions.isEmpty {
                let lower = s.lowercased()
                if !extensions.contains(where: { lower.hasSuffix("." + $0) }) {
                    return .failure(Diagnostic(
                        .invalidValue, "\(subject): \(Value.quote(s)) does not end in " + extensions.map { ".\($0)" }.joined(separator: " or "),
                        at: e.range, hint: "the file's format follows from its extension; write for example \"\(s.withoutExtension).\(extensions[0])\""))
                }
            }
            if mustExist && !environment.willBeWritten(path: s) {
                let resolved = environment.resolve(path: s)
                var status = stat()
                if stat(resolved, &status) != 0 {
                    return .failure(Diagnostic(.fileNotFound, "file \(Value.quote(s)) does not exist", at: e.range,
                                               hint: "looked for \(resolved); paths are relative to \(environment.workingDirectory)"))
                }
                if (status.st_mode & S_IFMT) == S_IFDIR {
                    return .failure(Diagnostic(.fileNotFound, "\(Value.quote(s)) is a directory, not a file", at: e.range))
                }
            }
            return .success(.string(s))
        case .boolean:
            switch e.kind {
            case .boolean(let b): return .success(.boolean(b))
            case .name(let w) where ["on", "yes"].contains(w): return .success(.boolean(true))
            case .name(let w) where ["off", "no"].contains(w): return .success(.boolean(false))
            default: return .failure(wrongType(e, type))
            }
        case .word(let words):
            let word: String
            switch e.kind {
            case .name(let w), .string(let w): word = w
            default: return .failure(wrongType(e, type))
            }
            guard words.contains(word) else {
                return .failure(Diagnostic(
                    .invalidValue, "`\(word)` is not allowed for \(subject)", at: e.range,
                    hint: [Suggestions.didYouMean(word, among: words), "expected one of " + words.joined(separator: ", ")]
                        .compactMap { $0 }.joined(separator: "; ")))
            }
            return .success(.word(word))
        case .integerRange(let bounds):
            guard case .range(let lower, let upper) = e.kind else { return .failure(wrongType(e, type)) }
            let ends = (check(lower, against: .integer(.any)), check(upper, against: .integer(.any)))
            guard case .success(.integer(let a)) = ends.0, case .success(.integer(let b)) = ends.1 else {
                // A name or arithmetic at an end says itself what is wrong with it.
                for (end, result) in [(lower, ends.0), (upper, ends.1)] where isComputed(end) {
                    if case .failure(let d) = result { return .failure(d) }
                }
                return .failure(Diagnostic(.wrongType, "\(subject) needs whole numbers at both ends of its range", at: e.range, hint: "write it as \(type.phrase), for example 5..81"))
            }
            guard a <= b else {
                return .failure(Diagnostic(.outOfRange, "range \(a)..\(b) of \(subject) runs backwards" + origin(of: lower) + origin(of: upper), at: e.range,
                                           hint: "write the smaller end first: \(b)..\(a)"))
            }
            guard bounds.contains(a) else { return .failure(outOfRange(lower, "\(a)" + origin(of: lower), bounds.phrase)) }
            guard bounds.contains(b) else { return .failure(outOfRange(upper, "\(b)" + origin(of: upper), bounds.phrase)) }
            return .success(.integerRange(a...b))
        case .numberRange(let bounds):
            guard case .range(let lower, let upper) = e.kind else { return .failure(wrongType(e, type)) }
            let ends = (check(lower, against: .number(.any)), check(upper, against: .number(.any)))
            guard case .success(let low) = ends.0, case .success(let high) = ends.1, let a = low.numberValue, let b = high.numberValue else {
                for (end, result) in [(lower, ends.0), (upper, ends.1)] where isComputed(end) {
                    if case .failure(let d) = result { return .failure(d) }
                }
                return .failure(wrongType(e, type))
            }
            guard a < b else {
                return .failure(Diagnostic(.outOfRange, "range \(Value.format(a).trimmingZeroFraction)..\(Value.format(b).trimmingZeroFraction) of \(subject) is empty or backwards"
                                               + origin(of: lower) + origin(of: upper), at: e.range, hint: "write lower..upper with lower < upper, as in -1..1"))
            }
            guard bounds.contains(a) else { return .failure(outOfRange(lower, Value.format(a).trimmingZeroFraction + origin(of: lower), bounds.phrase)) }
            guard bounds.contains(b) else { return .failure(outOfRange(upper, Value.format(b).trimmingZeroFraction + origin(of: upper), bounds.phrase)) }
            return .success(.numberRange(lower: a, upper: b))
        case .objectName(let kinds):
            guard case .name(let name) = e.kind else {
                return .failure(Diagnostic(.wrongType, "\(subject) must be \(type.phrase), not \(e.kind.phrase)", at: e.range,
                                           hint: candidatesHint(kinds)))
            }
            return checkName(name, at: e.range, kinds: kinds).map { .objectName($0) }
        case .list(let element):
            guard case .list(let elements) = e.kind else {
                // One element may be written without brackets: freeze=read_in.
                return check(e, against: element).map { .list([$0]) }
            }
            var values: [Value] = []
            for item in elements {
                switch check(item, against: element) {
                case .success(let v): values.append(v)
                case .failure(let d): return .failure(d)
                }
            }
            return .success(.list(values))
        case .function(let functions):
            return checkFunction(e, functions)
        case .oneOf(let types):
            var failures: [Diagnostic] = []
            for alternative in types {
                switch check(e, against: alternative) {
                case .success(let v): return .success(v)
                case .failure(let d): failures.append(d)
                }
            }
            // A value of the right shape but out of range says more than "wrong type".
            if let specific = failures.first(where: { $0.kind != .wrongType }) { return .failure(specific) }
            return .failure(wrongType(e, type))
        case .commandName:
            let word: String
            switch e.kind {
            case .name(let w), .string(let w): word = w
            default: return .failure(wrongType(e, type))
            }
            guard environment.commandNames.contains(word) else {
                return .failure(Diagnostic(.unknownCommand, "`\(word)` is not a command", at: e.range,
                                           hint: Suggestions.didYouMean(word, among: environment.commandNames) ?? "`help` alone lists the commands"))
            }
            return .success(.word(word))
        case .anyValue:
            switch e.kind {
            case .name(let name):
                return checkName(name, at: e.range, kinds: []).map { .objectName($0) }
            case .list(let elements):
                var values: [Value] = []
                for item in elements {
                    switch checkElement(item) {
                    case .success(let v): values.append(v)
                    case .failure(let d): return .failure(d)
                    }
                }
                return .success(.list(values))
            case .range(let lower, let upper):
                if isComputedNumber(lower), isComputedNumber(upper) {
                    switch (evaluate(lower, in: lower), evaluate(upper, in: upper)) {
                    case (.failure(let d), _), (_, .failure(let d)): return .failure(d)
                    case (.success(.integer), .success(.integer)): return check(e, against: .integerRange(.any))
                    default: return check(e, against: .numberRange(.any))
                    }
                }
                if case .integer = lower.kind, case .integer = upper.kind {
                    return check(e, against: .integerRange(.any))
                }
                return check(e, against: .numberRange(.any))
            case .call(let name, let arguments):
                var values: [Value] = []
                for argument in arguments {
                    switch checkElement(argument) {
                    case .success(let v): values.append(v)
                    case .failure(let d): return .failure(d)
                    }
                }
                return .success(.call(name: name, arguments: values))
            default:
                return .success(Value(literal: e))
            }
        }
    }

    /// An element of a list or call kept as a value: a name holding a value is taken for
    /// what it holds now (`sizes = [a, 2*a]`), other names stay references to objects.
    private func checkElement(_ e: Expression) -> Result<Value, Diagnostic> {
        if case .name(let name) = e.kind, let held = environment.value(of: name) { return .success(held.value) }
        return check(e, against: .anyValue)
    }

    func checkName(_ name: String, at range: SourceRange, kinds: [ObjectKind]) -> Result<String, Diagnostic> {
        guard let kind = environment.kind(of: name) else {
            let candidates = environment.names(ofKinds: kinds)
            let hint = Suggestions.didYouMean(name, among: candidates) ?? candidatesHint(kinds)
            return .failure(Diagnostic(.unknownName, "no \(kinds.isEmpty ? "object" : kinds.map(\.name).joined(separator: " or ")) named `\(name)` in this session", at: range, hint: hint))
        }
        if !kinds.isEmpty, !kinds.contains(kind) {
            return .failure(Diagnostic(.wrongKind, "`\(name)` is \(kind.withArticle), but \(subject) needs " + kinds.map(\.withArticle).joined(separator: " or "),
                                       at: range, hint: candidatesHint(kinds)))
        }
        return .success(name)
    }

    private func candidatesHint(_ kinds: [ObjectKind]) -> String {
        let names = environment.names(ofKinds: kinds)
        let what = kinds.isEmpty ? "names" : kinds.map { "\($0.name)s" }.joined(separator: " and ")
        if names.isEmpty {
            return "the session holds no \(what) yet" + (kinds.first?.madeBy.map { "; make one with `name = \($0) ...`" } ?? "")
        }
        return "\(what) in this session: " + names.prefix(8).joined(separator: ", ")
    }

    private func checkFunction(_ e: Expression, _ functions: [FunctionDeclaration]) -> Result<Value, Diagnostic> {
        let name: String
        let arguments: [Expression]?
        switch e.kind {
        case .name(let n), .string(let n): (name, arguments) = (n, nil)
        case .call(let n, let a): (name, arguments) = (n, a)
        default: return .failure(wrongType(e, .function(functions)))
        }
        guard let function = functions.first(where: { $0.name == name }) else {
            return .failure(Diagnostic(
                .invalidValue, "`\(name)` is not allowed for \(subject)", at: e.range,
                hint: [Suggestions.didYouMean(name, among: functions.map(\.name)), "expected one of " + functions.map(\.signature).joined(separator: ", ")]
                    .compactMap { $0 }.joined(separator: "; ")))
        }
        let given = arguments ?? []
        let parameters = function.parameters
        guard given.count == parameters.count else {
            let what = parameters.isEmpty ? "takes no arguments: write \(name)" : "takes \(parameters.count) argument\(parameters.count == 1 ? "" : "s"): write \(function.signature)"
            return .failure(Diagnostic(.wrongType, "`\(name)` \(what)", at: e.range, hint: function.help))
        }
        var values: [Value] = []
        for (argument, parameter) in zip(given, parameters) {
            var inner = TypeChecker(environment: environment, subject: "`\(parameter.name)` of \(name)")
            inner.substituting = substituting
            switch inner.check(argument, against: parameter.type) {
            case .success(let v): values.append(v)
            case .failure(let d): return .failure(d)
            }
        }
        return .success(.call(name: name, arguments: values))
    }

    private func wrongType(_ e: Expression, _ type: ValueType) -> Diagnostic {
        var hint = "for example \(type.example)"
        if case .name(let name) = e.kind {
            if let kind = environment.kind(of: name) {
                hint = "`\(name)` is \(kind.withArticle); " + hint
            } else if let similar = Suggestions.didYouMean(name, among: environment.names(ofKinds: [.value])) {
                hint = "no value is named `\(name)`; " + similar
            }
        }
        return Diagnostic(.wrongType, "\(subject) must be \(type.phrase), not \(e.kind.phrase)", at: e.range, hint: hint)
    }

    private func outOfRange(_ e: Expression, _ shown: String, _ phrase: String) -> Diagnostic {
        Diagnostic(.outOfRange, "\(subject) is \(shown), out of range", at: e.range, hint: "it must be \(phrase)")
    }
}

extension ValueType {
    /// A value of this type as it would be typed, for hints.
    var example: String {
        switch self {
        case .integer(let b): return String(b.minimum.map { max($0, min(10, b.maximum ?? 10)) } ?? b.maximum.map { min(0, $0) } ?? 10)
        case .number(let b): return b.minimum == 0 ? "1e-4" : (b.minimum.map { Value.format($0 + 1).trimmingZeroFraction } ?? "0.5")
        case .string: return "\"text\""
        case .path(_, let extensions): return "\"file.\(extensions.first ?? "txt")\""
        case .boolean: return "true"
        case .word(let words): return words.first ?? "word"
        case .integerRange(let b): return "\(b.minimum ?? 0)..\(max(b.minimum ?? 0, min(b.maximum ?? 11, 11)))"
        case .numberRange: return "-1..1"
        case .objectName(let kinds): return kinds.first.map { "my\($0.name)" } ?? "name"
        case .list(let element): return "[\(element.example)]"
        case .function(let functions): return functions.first.map { $0.parameters.isEmpty ? $0.name : "\($0.name)(0.2)" } ?? "f"
        case .oneOf(let types): return types.first?.example ?? "value"
        case .anyValue: return "\"text\""
        case .commandName: return "train"
        }
    }
}

extension Expression {
    /// The expression as it could be typed back (close to the source).
    var sourceText: String {
        switch kind {
        case .negate(let operand):
            if case .binary = operand.kind { return "-(\(operand.sourceText))" }
            return "-" + operand.sourceText
        case .binary(let op, let left, let right):
            // Parentheses where the source needed them: a looser operator on the left, a
            // looser or equal one on the right (the operators group from the left).
            func operand(_ e: Expression, needsParentheses: (ArithmeticOperator) -> Bool) -> String {
                if case .binary(let inner, _, _) = e.kind, needsParentheses(inner) { return "(\(e.sourceText))" }
                return e.sourceText
            }
            let spaced = op.precedence == 1 ? " \(op.rawValue) " : op.rawValue
            return operand(left) { $0.precedence < op.precedence } + spaced + operand(right) { $0.precedence <= op.precedence }
        case .range(let lower, let upper): return lower.sourceText + ".." + upper.sourceText
        case .list(let elements): return "[" + elements.map(\.sourceText).joined(separator: ", ") + "]"
        case .call(let name, let arguments): return name + "(" + arguments.map(\.sourceText).joined(separator: ", ") + ")"
        default: return Value(literal: self).description
        }
    }
}

extension Expression.Kind {
    /// "the string \"x\"", "the number 0.5", for "must be X, not Y" messages.
    var phrase: String {
        switch self {
        case .integer(let v): return "the integer \(v)"
        case .number(let v): return "the number \(Value.format(v))"
        case .string(let s): return "the string \(Value.quote(s))"
        case .boolean(let b): return "the boolean \(b)"
        case .name(let n): return "the name `\(n)`"
        case .range: return "a range"
        case .list: return "a list"
        case .call(let n, _): return "the call \(n)(...)"
        case .negate, .binary: return "arithmetic"
        }
    }
}

extension String {
    var withoutExtension: String {
        guard let dot = lastIndex(of: "."), !self[dot...].contains("/") else { return self }
        return String(self[..<dot])
    }
}
