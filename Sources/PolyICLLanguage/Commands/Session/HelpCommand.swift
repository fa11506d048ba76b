enum HelpCommand {
    static let declaration = CommandDeclaration(
        name: "help",
        summary: "Explain a command, or list them all.",
        help: "With a command's name, shows its usage, keys, defaults and examples. `format=markdown` writes the reference of every command (the README's table).",
        examples: ["help", "help train", "help format=markdown"],
        positionals: [Parameter("command", .commandName, help: "The command to explain.")],
        keys: [Parameter("format", .word(["text", "markdown"]), default: .word("text"), help: "Plain text, or Markdown for the README.")],
        run: { invocation in
            let registry = invocation.registry
            if let name = invocation.arguments.word("command"), let command = registry[name] {
                invocation.sink.page(invocation.arguments.word("format") == "markdown" ? LanguageReference.markdown(for: command) : command.helpText)
            } else if invocation.arguments.word("format") == "markdown" {
                invocation.sink.page(LanguageReference.markdown(registry))
            } else {
                invocation.sink.page(LanguageReference.overview(registry))
            }
            return nil
        })
}
