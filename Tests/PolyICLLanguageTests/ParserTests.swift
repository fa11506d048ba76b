import Testing
@testable import PolyICLLanguage

@Suite struct ParserTests {
    func single(_ text: String) throws -> Statement {
        let parsed = Parser.parse(text)
        #expect(parsed.diagnostics.isEmpty, "\(parsed.diagnostics)")
        try #require(parsed.statements.count == 1)
        return parsed.statements[0]
    }

    func arguments(_ text: String) throws -> [CommandArgument] {
        guard case .command(let call) = try single(text).body else {
            Issue.record("not a command: \(text)")
            return []
        }
        return call.arguments
    }

    @Test func everyValueForm() throws {
        let args = try arguments(#"cmd 42 -3 0.5 1e-4 -2.5E+3 20_000 "a\"b\n\u{263A}" 'single' true false word h.0 0..11 -1..1 [1, x, "s",] ridge(0.2) zero() [ridge(0.1), lstsq]"#)
        let kinds = args.map(\.value.kind)
        #expect(kinds[0] == .integer(42))
        #expect(kinds[1] == .integer(-3))
        #expect(kinds[2] == .number(0.5))
        #expect(kinds[3] == .number(1e-4))
        #expect(kinds[4] == .number(-2500))
        #expect(kinds[5] == .integer(20000))
        #expect(kinds[6] == .string("a\"b\n☺"))
        #expect(kinds[7] == .string("single"))
        #expect(kinds[8] == .boolean(true))
        #expect(kinds[9] == .boolean(false))
        #expect(kinds[10] == .name("word"))
        #expect(kinds[11] == .name("h.0"))
        guard case .range(let a, let b) = kinds[12], case .range(let c, let d) = kinds[13] else {
            Issue.record("ranges did not parse: \(kinds[12]) \(kinds[13])")
            return
        }
        #expect(a.kind == .integer(0) && b.kind == .integer(11))
        #expect(c.kind == .integer(-1) && d.kind == .integer(1))
        guard case .list(let elements) = kinds[14] else { Issue.record("not a list"); return }
        #expect(elements.map(\.kind) == [.integer(1), .name("x"), .string("s")])
        guard case .call(let name, let callArguments) = kinds[15] else { Issue.record("not a call"); return }
        #expect(name == "ridge" && callArguments.map(\.kind) == [.number(0.2)])
        #expect(kinds[16] == .call(name: "zero", arguments: []))
        guard case .list(let calls) = kinds[17] else { Issue.record("not a list of calls"); return }
        #expect(calls.count == 2)
    }

    @Test func keysAssignmentAndPositions() throws {
        let statement = try single("ev  = eval base on=deg5 points=31")
        #expect(statement.target?.name == "ev")
        guard case .command(let call) = statement.body else { Issue.record("not a command"); return }
        #expect(call.name == "eval")
        #expect(call.nameRange.start == SourcePosition(offset: 6, line: 1, column: 7))
        #expect(call.arguments.map(\.key) == [nil, "on", "points"])
        #expect(call.arguments[1].keyRange.start.column == 17)
        #expect(call.arguments[1].value.range.start.column == 20)
        #expect(call.arguments[2].value.range == SourceRange(SourcePosition(offset: 31, line: 1, column: 32), SourcePosition(offset: 33, line: 1, column: 34)))
    }

    @Test func columnsCountCodePointsNotBytes() throws {
        // "é" is 2 bytes in UTF-8 and "☺" 3, but one code point each.
        let args = try arguments("print \"é☺\" x")
        #expect(args[1].value.range.start.column == 12)
        #expect(args[1].value.range.start.offset == 11)
    }

    @Test func commentsAndBlankLines() throws {
        let parsed = Parser.parse("# heading\n\nprint 1  # trailing comment\n   \n# x = 2\nlist # done")
        #expect(parsed.diagnostics.isEmpty)
        #expect(parsed.statements.count == 2)
        #expect(parsed.statements[1].range.start.line == 6)
    }

    @Test func continuationInsideBrackets() throws {
        let parsed = Parser.parse("ev = eval base on=t baselines=[\n    lstsq,\n    ridge(\n0.2),\n]\nprint 2")
        #expect(parsed.diagnostics.isEmpty, "\(parsed.diagnostics)")
        #expect(parsed.statements.count == 2)
        #expect(parsed.statements[0].range.end.line == 5)
        #expect(parsed.statements[1].range.start.line == 6)
    }

    @Test func bareNameAndBareLiterals() throws {
        guard case .command(let call) = try single("poly").body else { Issue.record("bare name is not a call"); return }
        #expect(call.name == "poly" && call.arguments.isEmpty)
        #expect(try single("42").body == .expression(Expression(.integer(42), SourceRange(SourcePosition(offset: 0, line: 1, column: 1), SourcePosition(offset: 2, line: 1, column: 3)))))
        guard case .expression(let e) = try single("ridge(0.2)").body, case .call = e.kind else { Issue.record("bare call"); return }
        guard case .expression(let r) = try single("x = 5..9").body, case .range = r.kind else { Issue.record("assigned range"); return }
    }

    @Test func syntaxErrorsAreLocatedAndEveryStatementIsTried() throws {
        let parsed = Parser.parse("print ()\nprint 5x\nprint [1 2]\nx =\nprint \"a\\q\"\nprint 0..")
        #expect(parsed.diagnostics.map(\.range.start.line) == [1, 2, 3, 4, 5, 6])
        #expect(parsed.diagnostics.allSatisfy { $0.kind == .syntaxError })
        #expect(parsed.diagnostics[2].range.start.column == 10)
        #expect(parsed.diagnostics[2].message.contains("expected `,` or `]`"))
    }

    @Test func unclosedBracketsAndStringsAreReported() throws {
        let bracket = Parser.parse("train m steps=[1,\n2")
        #expect(bracket.diagnostics.count == 1)
        #expect(bracket.diagnostics[0].range.start == SourcePosition(offset: 14, line: 1, column: 15))
        #expect(bracket.diagnostics[0].message == "`[` is never closed")
        let string = Parser.parse("print \"abc")
        #expect(string.diagnostics.count == 1)
        #expect(string.diagnostics[0].message.contains("never closed"))
    }
}
