/// Completion candidates and the span of the cell they replace (code points).
public struct CompletionResult: Sendable, Hashable {
    public var matches: [String]
    public var start: Int
    public var end: Int
}

extension Interpreter {
    /// Completes the word before `cursor` (a code-point offset): commands at the start of a
    /// statement, then form selectors, keys (as `key=`), enumerated values and session
    /// names of the kinds the argument accepts.
    public func complete(_ code: String, cursor: Int) -> CompletionResult {
        let scalars = Array(code.unicodeScalars)
        let cursor = max(0, min(cursor, scalars.count))
        var prefixText = String.UnicodeScalarView()
        prefixText.append(contentsOf: scalars[0..<cursor])
        let lexed = Lexer.tokenize(String(prefixText))
        var tokens = Array(lexed.tokens.dropLast())  // endOfInput
        if lexed.endsInsideString { return CompletionResult(matches: [], start: cursor, end: cursor) }

        var word = ""
        var start = cursor
        if let last = tokens.last, case .identifier(let name) = last.kind, last.range.end.offset == cursor {
            word = name
            start = last.range.start.offset
            tokens.removeLast()
        }
        let candidates = completionCandidates(statementTokens(tokens), namesInCell: namesDefined(in: tokens))
        var seen = Set<String>()
        let matches = candidates.filter { $0.hasPrefix(word) && seen.insert($0).inserted }.sorted()
        return CompletionResult(matches: matches, start: start, end: cursor)
    }

    /// The tokens of the statement the cursor is in, without its `name =`.
    private func statementTokens(_ tokens: [Token]) -> [Token] {
        var statement = tokens
        if let lastNewline = tokens.lastIndex(where: { $0.kind == .newline }) {
            statement = Array(tokens[(lastNewline + 1)...])
        }
        if statement.count >= 2, statement[0].identifier != nil, statement[1].kind == .equals {
            statement.removeFirst(2)
        }
        return statement
    }

    /// Names kept by earlier statements of the same cell, with the kinds they will have.
    private func namesDefined(in tokens: [Token]) -> [String: ObjectKind] {
        var names: [String: ObjectKind] = [:]
        var atStart = true
        for (i, token) in tokens.enumerated() {
            defer { atStart = token.kind == .newline }
            guard atStart, let name = token.identifier, i + 2 < tokens.count, tokens[i + 1].kind == .equals else { continue }
            if let command = tokens[i + 2].identifier.flatMap({ registry[$0] }) {
                if let kind = command.produces { names[name] = kind }
            } else {
                names[name] = .value
            }
        }
        return names
    }

    private func sessionNames(kinds: [ObjectKind], extra: [String: ObjectKind]) -> [String] {
        var names = session.names.filter { kinds.isEmpty || session[$0].map { kinds.contains($0.kind) } == true }
        names += extra.filter { kinds.isEmpty || kinds.contains($0.value) }.map(\.key)
        return names
    }

    private func values(for type: ValueType, extra: [String: ObjectKind]) -> [String] {
        var out = type.completionWords
        if let kinds = type.completionKinds { out += sessionNames(kinds: kinds, extra: extra) }
        if case .commandName = type { out += registry.names }
        return out
    }

    private func completionCandidates(_ statement: [Token], namesInCell: [String: ObjectKind]) -> [String] {
        guard let first = statement.first else {
            return registry.names + sessionNames(kinds: [], extra: namesInCell)
        }
        guard let commandName = first.identifier, let command = registry[commandName] else { return [] }
        var rest = Array(statement.dropFirst())
        let form: CommandForm
        if command.hasSelectors {
            guard let selectorToken = rest.first else { return command.forms.compactMap(\.selector) }
            guard let selector = selectorToken.identifier, let chosen = command.form(selector: selector) else { return [] }
            form = chosen
            rest.removeFirst()
        } else {
            form = command.forms[0]
        }

        // Where the cursor sits: after `key=`, inside a list, inside a call, or between arguments.
        var openBrackets: [Int] = []
        var givenKeys = Set<String>()
        var positionalCount = 0
        for (i, token) in rest.enumerated() {
            switch token.kind {
            case .leftBracket, .leftParenthesis:
                if openBrackets.isEmpty, !isValueContinuation(rest, i) { positionalCount += 1 }
                openBrackets.append(i)
            case .rightBracket, .rightParenthesis:
                if !openBrackets.isEmpty { openBrackets.removeLast() }
            case .identifier(let name) where openBrackets.isEmpty:
                if i + 1 < rest.count, rest[i + 1].kind == .equals {
                    givenKeys.insert(name)
                } else if !isValueContinuation(rest, i) {
                    positionalCount += 1
                }
            case .integer, .number, .string:
                if openBrackets.isEmpty, !isValueContinuation(rest, i) { positionalCount += 1 }
            default:
                break
            }
        }
        if let innermost = openBrackets.last {
            // Inside a call's parentheses only numbers fit; inside a list, the list's elements.
            guard rest[innermost].kind == .leftBracket, let outer = openBrackets.first else { return [] }
            if outer >= 2, rest[outer - 1].kind == .equals, let key = rest[outer - 2].identifier, let p = form.parameter(named: key) {
                return values(for: p.type, extra: namesInCell)
            }
            return []
        }
        if let last = rest.last, [.plus, .minus, .star, .slash].contains(last.kind) {
            // After an operator only a number fits: names that hold values.
            return sessionNames(kinds: [.value], extra: namesInCell)
        }
        if let last = rest.last, last.kind == .equals {
            guard rest.count >= 2, let key = rest[rest.count - 2].identifier, let p = form.parameter(named: key) else { return [] }
            return values(for: p.type, extra: namesInCell)
        }
        var candidates = form.allParameters.filter { !givenKeys.contains($0.name) }.map { $0.name + "=" }
        let positionals = form.positionals
        if positionalCount < positionals.count || positionals.last?.isVariadic == true {
            let p = positionals[min(positionalCount, positionals.count - 1)]
            candidates += values(for: p.type, extra: namesInCell)
        }
        return candidates
    }

    /// The token continues the previous value (`= value`, the upper end of `a..b`, the
    /// right side of `steps*2`).
    private func isValueContinuation(_ tokens: [Token], _ i: Int) -> Bool {
        guard i > 0 else { return false }
        switch tokens[i - 1].kind {
        case .equals, .dotDot, .plus, .minus, .star, .slash: return true
        default: return false
        }
    }
}
