#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Checks one expression against the type a parameter expects.
struct TypeChecker {
    let environment: CheckEnvironment
    /// "key `steps` of train", for messages.
    let subject: String

    func check(_ e: Expression, against type: ValueType) -> Result<Value, Diagnostic> {
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
            guard case .success(.integer(let a)) = check(lower, against: .integer(.any)),
                  case .success(.integer(let b)) = check(upper, against: .integer(.any)) else {
                return .failure(Diagnostic(.wrongType, "\(subject) needs whole numbers at both ends of its range", at: e.range, hint: "write it as \(type.phrase), for example 5..81"))
            }
            guard a <= b else {
                return .failure(Diagnostic(.outOfRange, "range \(a)..\(b) of \(subject) runs backwards", at: e.range, hint: "write the smaller end first: \(b)..\(a)"))
            }
            guard bounds.contains(a) else { return .failure(outOfRange(lower, "\(a)", bounds.phrase)) }
            guard bounds.contains(b) else { return .failure(outOfRange(upper, "\(b)", bounds.phrase)) }
            return .success(.integerRange(a...b))
        case .numberRange(let bounds):
            guard case .range(let lower, let upper) = e.kind, let a = Value.numeric(lower), let b = Value.numeric(upper) else {
                return .failure(wrongType(e, type))
            }
            guard a < b else {
                return .failure(Diagnostic(.outOfRange, "range \(lower.sourceText)..\(upper.sourceText) of \(subject) is empty or backwards", at: e.range, hint: "write lower..upper with lower < upper, as in -1..1"))
            }
            guard bounds.contains(a) else { return .failure(outOfRange(lower, Value.format(a).trimmingZeroFraction, bounds.phrase)) }
            guard bounds.contains(b) else { return .failure(outOfRange(upper, Value.format(b).trimmingZeroFraction, bounds.phrase)) }
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
                    switch check(item, against: .anyValue) {
                    case .success(let v): values.append(v)
                    case .failure(let d): return .failure(d)
                    }
                }
                return .success(.list(values))
            case .range(let lower, let upper):
                if case .integer = lower.kind, case .integer = upper.kind {
                    return check(e, against: .integerRange(.any))
                }
                return check(e, against: .numberRange(.any))
            case .call(let name, let arguments):
                var values: [Value] = []
                for argument in arguments {
                    switch check(argument, against: .anyValue) {
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
            return "the session holds no \(what) yet" + (kinds.first.map { "; make one with `name = \($0.name) ...`" } ?? "")
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
            let inner = TypeChecker(environment: environment, subject: "`\(parameter.name)` of \(name)")
            switch inner.check(argument, against: parameter.type) {
            case .success(let v): values.append(v)
            case .failure(let d): return .failure(d)
            }
        }
        return .success(.call(name: name, arguments: values))
    }

    private func wrongType(_ e: Expression, _ type: ValueType) -> Diagnostic {
        Diagnostic(.wrongType, "\(subject) must be \(type.phrase), not \(e.kind.phrase)", at: e.range,
                   hint: "for example \(type.example)")
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
    var sourceText: String { Value(literal: self).description }
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
        }
    }
}

extension String {
    var withoutExtension: String {
        guard let dot = lastIndex(of: "."), !self[dot...].contains("/") else { return self }
        return String(self[..<dot])
    }
}
