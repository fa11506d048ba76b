/// A statement that passed every check, ready to run.
struct CheckedStatement {
    enum Action {
        case command(CommandDeclaration, Arguments)
        /// A bare session name: show the object.
        case show(String)
        /// A literal (shown, or kept under the target).
        case value(Value)
        /// `b = a`: keep a's object under b as well.
        case alias(String)
    }

    var target: String?
    var targetRange: SourceRange?
    var action: Action
    var range: SourceRange
}

/// Checks every statement of a cell against the registry and the session before anything
/// runs, walking the cell in order so names made earlier in the cell are known later.
struct Checker {
    let registry: CommandRegistry
    var environment: CheckEnvironment
    private(set) var diagnostics: [Diagnostic] = []

    init(registry: CommandRegistry, environment: CheckEnvironment) {
        self.registry = registry
        self.environment = environment
    }

    mutating func check(_ statements: [Statement]) -> [CheckedStatement] {
        var checked: [CheckedStatement] = []
        for statement in statements {
            if let c = check(statement) { checked.append(c) }
        }
        return checked
    }

    private mutating func report(_ d: Diagnostic) { diagnostics.append(d) }

    private mutating func check(_ statement: Statement) -> CheckedStatement? {
        let target = statement.target
        if let target, !checkTargetName(target.name, at: target.range) { return nil }
        switch statement.body {
        case .expression(let e):
            let checker = TypeChecker(environment: environment, subject: "the value")
            let value: Value
            switch checker.check(e, against: .anyValue) {
            case .success(let v): value = v
            case .failure(let d):
                report(d)
                return nil
            }
            if let target { environment.define(target.name, value: value, line: statement.range.start.line) }
            return CheckedStatement(target: target?.name, targetRange: target?.range, action: .value(value), range: statement.range)
        case .command(let call):
            if let command = registry[call.name] {
                return checkCommand(command, call, statement)
            }
            return checkNameStatement(call, statement)
        }
    }

    /// A statement that starts with a word that is not a command: a bare name to show,
    /// `b = a`, or a mistake.
    private mutating func checkNameStatement(_ call: CommandCall, _ statement: Statement) -> CheckedStatement? {
        let target = statement.target
        if let kind = environment.kind(of: call.name) {
            if let first = call.arguments.first {
                report(Diagnostic(.unknownCommand, "`\(call.name)` is \(kind.withArticle) in this session, not a command", at: call.nameRange,
                                  hint: [Suggestions.didYouMean(call.name, among: registry.names), "to show it, write `\(call.name)` alone on its line"]
                                      .compactMap { $0 }.joined(separator: "; ")))
                _ = first
                return nil
            }
            if let target {
                // A copy of a value is a value the later statements can use as one.
                if let held = environment.value(of: call.name) {
                    environment.define(target.name, value: held.value, line: statement.range.start.line)
                } else {
                    environment.define(target.name, as: kind)
                }
                return CheckedStatement(target: target.name, targetRange: target.range, action: .alias(call.name), range: statement.range)
            }
            return CheckedStatement(target: nil, action: .show(call.name), range: statement.range)
        }
        let isLoneWord = call.arguments.isEmpty
        let candidates = registry.names + (isLoneWord ? environment.names(ofKinds: []) : [])
        let what = isLoneWord ? "a command or a name in this session" : "a command"
        let hint = Suggestions.didYouMean(call.name, among: candidates)
            ?? "`help` lists the commands" + (isLoneWord ? " and `list` the session's names" : "")
        report(Diagnostic(.unknownCommand, "`\(call.name)` is not \(what)", at: call.nameRange, hint: hint))
        return nil
    }

    private mutating func checkTargetName(_ name: String, at range: SourceRange) -> Bool {
        if registry[name] != nil {
            report(Diagnostic(.reservedName, "`\(name)` is a command and cannot name an object", at: range,
                              hint: "choose another name, such as `my\(name)` or `\(name)1`"))
            return false
        }
        if ["true", "false"].contains(name) {
            report(Diagnostic(.reservedName, "`\(name)` is a boolean and cannot name an object", at: range, hint: "choose another name"))
            return false
        }
        return true
    }

    private mutating func checkCommand(_ command: CommandDeclaration, _ call: CommandCall, _ statement: Statement) -> CheckedStatement? {
        let target = statement.target
        if let target, command.produces == nil {
            report(Diagnostic(.noValue, "\(command.name) makes nothing to keep under `\(target.name)`", at: target.range,
                              hint: "remove `\(target.name) =`"))
            return nil
        }
        var arguments = call.arguments
        let form: CommandForm
        if command.hasSelectors {
            let selectors = command.forms.compactMap(\.selector)
            guard let first = arguments.first, first.key == nil else {
                report(Diagnostic(.missingArgument, "\(command.name) needs its kind first: " + selectors.joined(separator: ", "), at: call.nameRange,
                                  hint: "for example `\(command.examples.first ?? command.name + " " + selectors[0])`"))
                return nil
            }
            guard case .name(let word) = first.value.kind, let chosen = command.form(selector: word) else {
                let written = first.value.sourceText
                report(Diagnostic(.invalidValue, "`\(written)` is not a kind of \(command.name)", at: first.value.range,
                                  hint: [Suggestions.didYouMean(written, among: selectors), "expected one of " + selectors.joined(separator: ", ")]
                                      .compactMap { $0 }.joined(separator: "; ")))
                return nil
            }
            form = chosen
            arguments.removeFirst()
        } else {
            form = command.forms[0]
        }

        var bound = Arguments(command: command.name, form: form.selector, commandRange: call.nameRange)
        let formName = form.selector.map { "\(command.name) \($0)" } ?? command.name
        var ok = true
        var positionalIndex = 0
        var variadicValues: [Value] = []
        var variadicRange: SourceRange?
        // Given but rejected: reported already, so not "missing" as well.
        var attempted = Set<String>()
        for argument in arguments {
            let parameter: Parameter
            if let key = argument.key {
                guard let p = form.parameter(named: key) else {
                    let names = form.allParameters.map(\.name)
                    report(Diagnostic(.unknownKey, "\(formName) has no key `\(key)`", at: argument.keyRange,
                                      hint: Suggestions.didYouMean(key, among: names)
                                          ?? (names.isEmpty ? "\(formName) takes no keys" : "its keys are " + names.joined(separator: ", "))))
                    ok = false
                    continue
                }
                if bound.isGiven(key) || (p.isVariadic && variadicRange != nil) {
                    report(Diagnostic(.duplicateArgument, "`\(key)` is given twice", at: argument.keyRange, hint: "keep one of them"))
                    ok = false
                    continue
                }
                parameter = p
            } else {
                guard positionalIndex < form.positionals.count else {
                    let count = form.positionals.count
                    report(Diagnostic(.unexpectedArgument, "\(formName) takes \(count == 0 ? "no" : String(count)) positional argument\(count == 1 ? "" : "s"); `\(argument.value.sourceText)` is one too many",
                                      at: argument.value.range, hint: "usage: " + command.usage(of: form)))
                    ok = false
                    continue
                }
                parameter = form.positionals[positionalIndex]
                if !parameter.isVariadic { positionalIndex += 1 }
                if bound.isGiven(parameter.name) {
                    report(Diagnostic(.duplicateArgument, "`\(parameter.name)` is given twice (by position and as a key)", at: argument.value.range,
                                      hint: "keep one of them"))
                    ok = false
                    continue
                }
            }
            attempted.insert(parameter.name)
            let checker = TypeChecker(environment: environment, subject: "`\(parameter.name)` of \(formName)",
                                      label: argument.key.map { "\($0)=\(argument.value.sourceText)" })
            switch checker.check(argument.value, against: parameter.type) {
            case .success(let value):
                if parameter.isVariadic {
                    if case .list(let items) = value, argument.key != nil { variadicValues += items } else { variadicValues.append(value) }
                    variadicRange = variadicRange.map { $0.union(argument.range) } ?? argument.range
                } else {
                    bound.set(parameter.name, value, at: argument.range)
                }
            case .failure(let d):
                report(d)
                ok = false
            }
        }
        if let variadic = form.positionals.last(where: \.isVariadic), let variadicRange {
            bound.set(variadic.name, .list(variadicValues), at: variadicRange)
        }
        for p in form.allParameters where !bound.isGiven(p.name) && !attempted.contains(p.name) {
            if p.isRequired {
                report(Diagnostic(.missingArgument, "\(formName) needs `\(p.name)`: \(p.help.lowercasedFirst)", at: call.nameRange,
                                  hint: "give it as \(form.positionals.contains { $0.name == p.name } ? p.type.example : "\(p.name)=\(p.type.example)"); usage: \(command.usage(of: form))"))
                ok = false
            } else if let d = p.defaultValue {
                bound.set(p.name, d, at: nil)
            }
        }
        guard ok else { return nil }
        var crossProblems: [Diagnostic] = []
        for crossCheck in form.checks { crossProblems += crossCheck(bound, environment) }
        guard crossProblems.isEmpty else {
            crossProblems.forEach { report($0) }
            return nil
        }
        if let target, let kind = command.produces { environment.define(target.name, as: kind) }
        command.updatesEnvironment?(bound, target?.name, &environment)
        return CheckedStatement(target: target?.name, targetRange: target?.range, action: .command(command, bound), range: statement.range)
    }
}

extension String {
    var lowercasedFirst: String { prefix(1).lowercased() + dropFirst() }
}
