enum PrintCommand {
    static let declaration = CommandDeclaration(
        name: "print",
        summary: "Write values as text to the cell's output.",
        help: """
        Writes its values separated by spaces, then a line break. Strings are written without \
        their quotes; a session name writes the object's text.
        """,
        examples: ["print \"hello, world\"", "print \"loss is high\" stream=stderr", "print \"steps:\" 20000"],
        positionals: [Parameter("values", .anyValue, required: true, variadic: true, help: "What to write.")],
        keys: [Parameter("stream", .word(OutputStreamName.allCases.map(\.rawValue)), default: .word("stdout"),
                         help: "The stream to write to.")],
        run: { invocation in
            let values = invocation.arguments.list("values") ?? []
            let text = values.map { plainText(of: $0, in: invocation.session) }.joined(separator: " ")
            let stream = OutputStreamName(rawValue: invocation.arguments.word("stream") ?? "stdout") ?? .stdout
            invocation.sink.stream(stream, text + "\n")
            return nil
        })

    /// Strings without quotes; a name's object by its own text.
    static func plainText(of value: Value, in session: Session) -> String {
        switch value {
        case .objectName(let name):
            guard let object = session[name] else { return name }
            if let valueObject = object as? ValueObject { return valueObject.value.plainText }
            return object.representation().plainText
        case .list(let items):
            return "[" + items.map { item -> String in
                if case .objectName = item { return plainText(of: item, in: session) }
                return item.description
            }.joined(separator: ", ") + "]"
        default:
            return value.plainText
        }
    }
}
