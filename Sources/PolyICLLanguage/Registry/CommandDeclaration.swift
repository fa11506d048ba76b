/// What a run body does when it cannot finish.
public struct CommandFailure: Error, Sendable {
    public var name: String
    public var message: String
    public var hint: String?
    /// The spot to point at, when the failure is about one argument.
    public var range: SourceRange?

    public init(_ name: String, _ message: String, hint: String? = nil, at range: SourceRange? = nil) {
        self.name = name
        self.message = message
        self.hint = hint
        self.range = range
    }

    public static func interrupted(_ what: String) -> CommandFailure {
        CommandFailure("Interrupted", "Interrupted: \(what)", hint: "the session keeps everything it held before this command")
    }

    /// The error of a command declared but not yet connected to the training core.
    public static func notBound(_ command: String) -> CommandFailure {
        CommandFailure("NotBound", "\(command) is not bound to the training core yet",
                       hint: "its arguments were checked; this build cannot run it")
    }
}

/// The body of a command: runs with checked arguments, may show outputs, and returns the
/// object it produced (stored by the interpreter under the statement's name once the body
/// has returned) or nil.
public typealias RunBody = @Sendable (_ invocation: CommandInvocation) throws -> (any SessionObject)?

/// How a command changes what the checker knows for the statements after it, beyond
/// `name =` giving the target its kind: `delete` removes names, `model` records the new
/// model's configuration. `target` is the statement's `name =`, if any.
public typealias EnvironmentUpdate = @Sendable (_ arguments: Arguments, _ target: String?, _ environment: inout CheckEnvironment) -> Void

/// A command: ONE declaration from which parsing checks, completion, inspection, `help`
/// and the README's reference all come. Adding a command is writing one of these and
/// listing it in ``CommandRegistry/standard``.
public struct CommandDeclaration: Sendable {
    public var name: String
    /// One line, for `help` and completion.
    public var summary: String
    /// Paragraphs explaining the command.
    public var help: String
    /// Lines of real use, each valid as written (the tests check them).
    public var examples: [String]
    public var forms: [CommandForm]
    /// The kind of object the command makes (kept under `name =`), or nil if it makes none.
    public var produces: ObjectKind?
    /// How the command changes which names exist, beyond `name =` (for `delete`).
    public var updatesEnvironment: EnvironmentUpdate?
    public var run: RunBody

    public init(name: String, summary: String, help: String, examples: [String], forms: [CommandForm],
                produces: ObjectKind? = nil,
                updatesEnvironment: EnvironmentUpdate? = nil,
                run: @escaping RunBody) {
        self.name = name
        self.summary = summary
        self.help = help
        self.examples = examples
        // Every command has at least one form (the checker reads the first).
        self.forms = forms.isEmpty ? [CommandForm()] : forms
        self.produces = produces
        self.updatesEnvironment = updatesEnvironment
        self.run = run
    }

    /// A command with a single form.
    public init(name: String, summary: String, help: String, examples: [String],
                positionals: [Parameter] = [], keys: [Parameter] = [], checks: [CrossCheck] = [],
                produces: ObjectKind? = nil,
                updatesEnvironment: EnvironmentUpdate? = nil,
                run: @escaping RunBody) {
        self.init(name: name, summary: summary, help: help, examples: examples,
                  forms: [CommandForm(positionals: positionals, keys: keys, checks: checks)],
                  produces: produces, updatesEnvironment: updatesEnvironment, run: run)
    }

    public var hasSelectors: Bool { forms.contains { $0.selector != nil } }
    public func form(selector: String) -> CommandForm? { forms.first { $0.selector == selector } }

    /// `train MODEL on=TASK [steps=INT] ...` for each form.
    public var usageLines: [String] {
        forms.map { form in
            var parts = [name]
            if let selector = form.selector { parts.append(selector) }
            for p in form.positionals {
                let text = p.type.placeholder + (p.isVariadic ? " ..." : "")
                parts.append(p.isRequired ? text : "[\(text)]")
            }
            for p in form.keys {
                let text = "\(p.name)=\(p.type.placeholder)"
                parts.append(p.isRequired ? text : "[\(text)]")
            }
            return (produces != nil ? "[NAME =] " : "") + parts.joined(separator: " ")
        }
    }

    /// The usage line of one form.
    public func usage(of form: CommandForm) -> String {
        let index = forms.firstIndex { $0.selector == form.selector } ?? 0
        return usageLines[index]
    }

    /// The full help page.
    public var helpText: String {
        var lines: [String] = []
        lines.append("\(name): \(summary)")
        lines.append("")
        lines.append("Usage:")
        lines += usageLines.map { "  " + $0 }
        if !help.isEmpty {
            lines.append("")
            lines += help.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        }
        for form in forms {
            let parameters = form.allParameters
            guard !parameters.isEmpty || form.selector != nil else { continue }
            lines.append("")
            if let selector = form.selector {
                lines.append("\(name) \(selector): \(form.summary)")
            } else {
                lines.append("Arguments:")
            }
            let labels = parameters.map { p in Self.label(for: p, positional: form.positionals.contains { $0.name == p.name }) }
            let width = min(24, labels.map(\.count).max() ?? 0)
            for (p, label) in zip(parameters, labels) {
                let padded = label.count < width ? label + String(repeating: " ", count: width - label.count) : label
                lines.append("  \(padded)  \(p.helpLine)")
            }
        }
        if !examples.isEmpty {
            lines.append("")
            lines.append("Examples:")
            lines += examples.map { "  " + $0.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n  ") }
        }
        return lines.joined(separator: "\n")
    }

    static func label(for p: Parameter, positional: Bool) -> String {
        positional ? "\(p.name) (positional)" : "\(p.name)="
    }
}
