extension Interpreter {
    /// Help for what is under the cursor (a code-point offset): the command of the
    /// statement, with the key under the cursor first; a session name's summary. Nil when
    /// there is nothing to explain.
    public func inspect(_ code: String, cursor: Int) -> MIMEBundle? {
        let lexed = Lexer.tokenize(code)
        let tokens = Array(lexed.tokens.dropLast())
        let cursor = max(0, cursor)
        // The token under the cursor, or the one just before it (cursor at a word's end).
        guard let index = tokens.lastIndex(where: { $0.range.start.offset <= cursor && $0.kind != .newline }) else { return nil }
        let statementStart = (tokens[..<index].lastIndex { $0.kind == .newline }).map { $0 + 1 } ?? 0
        var statement = Array(tokens[statementStart...])
        if let end = statement.firstIndex(where: { $0.kind == .newline }) { statement = Array(statement[..<end]) }
        var commandIndex = 0
        if statement.count >= 2, statement[0].identifier != nil, statement[1].kind == .equals { commandIndex = 2 }
        let underCursor = tokens[index]

        // A command named as an argument (`help train`) explains itself.
        if let name = underCursor.identifier, let command = registry[name], underCursor != statement[min(commandIndex, statement.count - 1)] {
            return MIMEBundle(plainText: command.helpText)
        }
        if commandIndex < statement.count, let name = statement[commandIndex].identifier, let command = registry[name] {
            var text = command.helpText
            if let key = underCursor.identifier, underCursor != statement[commandIndex] {
                let parameter = command.forms.lazy.compactMap { $0.parameter(named: key) }.first
                if let parameter { text = "\(key): \(parameter.helpLine)\n\n" + text }
            }
            return MIMEBundle(plainText: text)
        }
        if let name = underCursor.identifier, let object = session[name] {
            return MIMEBundle(plainText: "\(name): \(object.kind.withArticle) — \(object.summary)")
        }
        if let name = underCursor.identifier, let command = registry[name] {
            return MIMEBundle(plainText: command.helpText)
        }
        return nil
    }
}
