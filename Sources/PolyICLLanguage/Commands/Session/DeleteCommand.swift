enum DeleteCommand {
    static let declaration = CommandDeclaration(
        name: "delete",
        summary: "Remove objects from the session.",
        help: "Frees the names (and the memory of models) for reuse.",
        examples: ["delete x", "delete ev deg5"],
        positionals: [Parameter("names", .objectName([]), required: true, variadic: true, help: "The names to remove.")],
        updatesEnvironment: { arguments, _, environment in
            for name in (arguments.list("names") ?? []).compactMap(\.objectNameValue) { environment.remove(name) }
        },
        run: { invocation in
            for name in (invocation.arguments.list("names") ?? []).compactMap(\.objectNameValue) {
                invocation.session.remove(name)
            }
            return nil
        })
}
