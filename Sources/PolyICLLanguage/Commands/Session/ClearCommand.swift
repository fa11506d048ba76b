enum ClearCommand {
    static let declaration = CommandDeclaration(
        name: "clear",
        summary: "Clear the cell's output.",
        help: "With `wait=true` the output is cleared only when the next output arrives, which avoids flicker.",
        examples: ["clear", "clear wait=true"],
        keys: [Parameter("wait", .boolean, default: .boolean(false), help: "Wait for the next output before clearing.")],
        run: { invocation in
            invocation.sink.clearOutput(wait: invocation.arguments.boolean("wait") ?? false)
            return nil
        })
}
