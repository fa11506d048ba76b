/// Help pages and the README's reference, written from the registry.
public enum LanguageReference {
    /// The grammar in a few lines, shared by `help` and the Markdown reference.
    public static let grammar = """
    One command per line; `#` starts a comment.
      name = command args...   keeps what the command makes under `name`
      command args...          runs a command
      name                     shows the object kept under `name`
      42, "text", [1, 2]       shows a value;  x = 3 keeps it
    Arguments are positional values or key=value (no spaces around `=`).
    Values: integers (20000, 20_000, -3), numbers (0.5, 1e-4), "strings" or 'strings' with
    escapes \\n \\t \\" \\\\ \\u{263A}, true/false (on/off for switches), names, ranges a..b
    (both ends included), lists [a, b, c], calls ridge(0.2).
    A line continues while a bracket [ or ( is open.
    """

    /// `help` with no command: the grammar and every command's summary.
    public static func overview(_ registry: CommandRegistry) -> String {
        let width = (registry.commands.map(\.name.count).max() ?? 0) + 2
        var lines = ["PolyICL commands", "", grammar, "", "Commands:"]
        for command in registry.commands {
            lines.append("  " + command.name + String(repeating: " ", count: width - command.name.count) + command.summary)
        }
        lines.append("")
        lines.append("`help COMMAND` explains one command.")
        return lines.joined(separator: "\n")
    }

    /// The reference of every command in Markdown: a summary table, then one section each.
    public static func markdown(_ registry: CommandRegistry) -> String {
        var out = "## The command language\n\n```\n\(grammar)\n```\n\n"
        out += "| command | what it does | example |\n|---|---|---|\n"
        for command in registry.commands {
            out += "| `\(command.name)` | \(command.summary) | `\(command.examples.first ?? command.name)` |\n"
        }
        for command in registry.commands {
            out += "\n" + markdown(for: command)
        }
        return out
    }

    public static func markdown(for command: CommandDeclaration) -> String {
        var out = "### `\(command.name)`\n\n\(command.summary)"
        if !command.help.isEmpty { out += " " + command.help }
        out += "\n\n```\n" + command.usageLines.joined(separator: "\n") + "\n```\n"
        for form in command.forms {
            let parameters = form.allParameters
            guard !parameters.isEmpty else { continue }
            if let selector = form.selector { out += "\n`\(command.name) \(selector)`: \(form.summary)\n" }
            out += "\n| argument | meaning | must be | default |\n|---|---|---|---|\n"
            for p in parameters {
                let positional = form.positionals.contains { $0.name == p.name }
                let label = positional ? "\(p.name) (positional)" : "\(p.name)="
                let defaultText = p.defaultValue.map { "`\($0.compactDescription)`" } ?? (p.isRequired ? "required" : "")
                out += "| `\(label)` | \(p.help) | \(p.type.phrase.replacingPipes) | \(defaultText) |\n"
            }
        }
        if !command.examples.isEmpty {
            out += "\nExamples:\n\n```\n" + command.examples.joined(separator: "\n") + "\n```\n"
        }
        return out
    }
}

extension String {
    fileprivate var replacingPipes: String { split(separator: "|", omittingEmptySubsequences: false).joined(separator: "\\|") }
}
