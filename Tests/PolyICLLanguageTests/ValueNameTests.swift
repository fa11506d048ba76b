import Testing
@testable import PolyICLLanguage

/// Names that hold values used as argument values, and arithmetic on numbers: resolved
/// and checked before anything runs.
@Suite struct ValueNameTests {
    /// Checks a cell as `execute` does, without running it.
    func check(_ interpreter: Interpreter, _ cell: String) -> (statements: [CheckedStatement], diagnostics: [Diagnostic]) {
        let parsed = Parser.parse(cell)
        if !parsed.diagnostics.isEmpty { return ([], parsed.diagnostics) }
        var checker = Checker(registry: interpreter.registry, environment: CheckEnvironment(
            session: interpreter.session, workingDirectory: interpreter.workingDirectory, commandNames: interpreter.registry.names))
        let statements = checker.check(parsed.statements)
        return (statements, checker.diagnostics)
    }

    /// The checked arguments of the cell's last statement, which must be a command.
    func arguments(_ interpreter: Interpreter, _ cell: String, sourceLocation: SourceLocation = #_sourceLocation) -> Arguments? {
        let (statements, diagnostics) = check(interpreter, cell)
        #expect(diagnostics.isEmpty, "\(cell): \(diagnostics.map(\.message))", sourceLocation: sourceLocation)
        guard case .command(_, let arguments)? = statements.last?.action else { return nil }
        return arguments
    }

    /// The value a cell's last statement keeps or shows.
    func value(_ interpreter: Interpreter, _ cell: String, sourceLocation: SourceLocation = #_sourceLocation) -> Value? {
        let (statements, diagnostics) = check(interpreter, cell)
        #expect(diagnostics.isEmpty, "\(cell): \(diagnostics.map(\.message))", sourceLocation: sourceLocation)
        guard case .value(let v)? = statements.last?.action else { return nil }
        return v
    }

    func onlyDiagnostic(_ interpreter: Interpreter, _ cell: String, sourceLocation: SourceLocation = #_sourceLocation) -> Diagnostic? {
        let diagnostics = check(interpreter, cell).diagnostics
        #expect(diagnostics.count == 1, "\(cell): \(diagnostics.map(\.message))", sourceLocation: sourceLocation)
        return diagnostics.first
    }

    @Test func everyKindOfValueResolves() throws {
        let interpreter = try fixtureInterpreter()
        #expect(arguments(interpreter, "steps = 200\ntrain base on=poly steps=steps")?["steps"] == .integer(200))
        #expect(arguments(interpreter, "lr = 1e-3\ntrain base on=poly lr=lr")?["lr"] == .number(1e-3))
        // An integer where a number goes, and a whole number where an integer goes.
        #expect(arguments(interpreter, "n = 2\ntrain base on=poly lr=n")?["lr"] == .number(2))
        #expect(arguments(interpreter, "w = 50.0\ntrain base on=poly warmup=w")?["warmup"] == .integer(50))
        #expect(arguments(interpreter, "path = \"models/m.safetensors\"\nsave base path")?["path"] == .string("models/m.safetensors"))
        #expect(arguments(interpreter, "pos = false\nm = model preset=tiny positions=pos")?["positions"] == .boolean(false))
        #expect(arguments(interpreter, "c = 5..41\ntrain base on=poly curriculum=c")?["curriculum"] == .integerRange(5...41))
        #expect(arguments(interpreter, "s = 0.5..1.2\np = perturb sp on=deg5 scale=s")?["scale"] == .numberRange(lower: 0.5, upper: 1.2))
        #expect(arguments(interpreter, "opt = \"sgd\"\ntrain base on=poly optimizer=opt")?["optimizer"] == .word("sgd"))
        #expect(arguments(interpreter, "blocks = [\"read_in\", \"wpe\"]\ntrain base on=poly freeze=blocks")?["freeze"]
                == .list([.word("read_in"), .word("wpe")]))
        #expect(arguments(interpreter, "fixed = [0, 1, 3]\ncompare [base, ft] on=deg5 fixed=fixed")?["fixed"]
                == .list([.integer(0), .integer(1), .integer(3)]))
        #expect(arguments(interpreter, "lam = 0.5\neval base on=poly baselines=[lstsq, ridge(lam)]")?["baselines"]
                == .list([.call(name: "lstsq", arguments: []), .call(name: "ridge", arguments: [.number(0.5)])]))
        #expect(arguments(interpreter, "b = [\"lstsq\", ridge(0.2)]\neval base on=poly baselines=b")?["baselines"]
                == .list([.call(name: "lstsq", arguments: []), .call(name: "ridge", arguments: [.number(0.2)])]))
        // One of several types: the value picks the alternative it fits.
        #expect(arguments(interpreter, "d = 3\nt = task chebyshev degree=d")?["degree"] == .integer(3))
        #expect(arguments(interpreter, "d = 0..5\nt = task chebyshev degree=d")?["degree"] == .integerRange(0...5))
        // A range whose ends are names.
        #expect(arguments(interpreter, "lo = 5\nhi = 41\ntrain base on=poly curriculum=lo..hi")?["curriculum"] == .integerRange(5...41))
        // A value kept by an earlier cell (the fixture's session holds x = 7).
        #expect(arguments(interpreter, "train base on=poly steps=x")?["steps"] == .integer(7))
        // A copy of a value is a value.
        #expect(arguments(interpreter, "a = 12\nb = a\ntrain base on=poly steps=b")?["steps"] == .integer(12))
    }

    @Test func namesOfObjectsAndAllowedWordsKeepTheirMeaning() throws {
        let interpreter = try fixtureInterpreter()
        // Words the key allows win over values of the same name.
        #expect(arguments(interpreter, "adam = 3\ncosine = \"x\"\ntrain base on=poly optimizer=adam schedule=cosine")
                .map { [$0["optimizer"], $0["schedule"]] } == [.word("adam"), .word("cosine")])
        #expect(arguments(interpreter, "lstsq = 1\neval base on=poly baselines=[lstsq]")?["baselines"] == .list([.call(name: "lstsq", arguments: [])]))
        #expect(arguments(interpreter, "on = 1\nm = model preset=tiny positions=on")?["positions"] == .boolean(true))
        // Session objects stay names.
        #expect(arguments(interpreter, "train base on=poly")?["on"] == .objectName("poly"))
        // A value where an object of another kind is expected is the wrong kind, as before.
        #expect(onlyDiagnostic(interpreter, "poly = 3\ntrain base on=poly")?.kind == .wrongKind)
        // ... but a value that names objects stands for them.
        #expect(arguments(interpreter, "models = [base, ft]\ncompare models on=deg5")?["models"] == .list([.objectName("base"), .objectName("ft")]))
        // Print shows a name's object; a value kept in a list is taken as it is now.
        #expect(value(interpreter, "n = 4\nsizes = [n, n*2]") == .list([.integer(4), .integer(8)]))
        let (outcome, events) = interpreter.run("greeting = \"hi\"\nprint greeting x")
        #expect(outcome == .ok)
        #expect(events == [.stream(.stdout, "hi 7\n")])
    }

    @Test func arithmetic() throws {
        let interpreter = try fixtureInterpreter()
        let cases: [(String, Value)] = [
            ("y = 2+3*4", .integer(14)), ("y = (2+3)*4", .integer(20)), ("y = 10-2-3", .integer(5)), ("y = 2*-3", .integer(-6)),
            ("y = 7/2", .number(3.5)), ("y = 8/2", .number(4)), ("y = 7*2", .integer(14)), ("y = x*2", .integer(14)),
            ("y = x-1", .integer(6)), ("y = x - 1", .integer(6)), ("y = -x", .integer(-7)), ("y = -(x+1)", .integer(-8)),
            ("y = 1e-3/10", .number(1e-4)), ("y = 0.5+x", .number(7.5)), ("a = 3\nb = 4\ny = a*a + b*b", .integer(25)),
            ("y = 1..x*2", .integerRange(1...14)), ("y = -1..x/2", .numberRange(lower: -1, upper: 3.5)),
            ("y = ((((x))))", .objectName("x")),
        ]
        for (cell, expected) in cases {
            #expect(value(interpreter, cell) == expected, "\(cell)")
        }
        let args = arguments(interpreter, "steps = 100\nlr = 1e-3\ntrain base on=poly steps=steps*2 lr=lr/10 curriculum=5..steps/4+6 warmup=(steps - 10) / 2")
        #expect(args?["steps"] == .integer(200))
        #expect(args?["lr"] == .number(1e-4))
        #expect(args?["curriculum"] == .integerRange(5...31))
        #expect(args?["warmup"] == .integer(45))
        // `a -1` is two values: a space before `-` and none after starts a negative number.
        let (outcome, events) = interpreter.run("print x -1 x-1 x - 1")
        #expect(outcome == .ok)
        #expect(events == [.stream(.stdout, "7 -1 6 6\n")])
        // A value alone on a line is shown, computed.
        #expect(interpreter.run("x*2").1 == [.result(MIMEBundle(plainText: "14"))])
    }

    @Test func errorsSayWhereTheValueCameFrom() throws {
        let interpreter = try fixtureInterpreter()
        let cell = "steps = \"abc\"\ntrain base on=poly steps=steps"
        let wrong = try #require(onlyDiagnostic(interpreter, cell))
        #expect(wrong.kind == .wrongType)
        #expect(wrong.message == "steps=steps: `steps` holds the string \"abc\" (set at line 1), expected an integer from 1 to 100000000")
        #expect(wrong.range.start.line == 2 && wrong.range.start.column == 26 && wrong.range.end.column == 31)

        _ = interpreter.run("text = 5\nname = \"m.npy\"")
        let kept = try #require(onlyDiagnostic(interpreter, "save base text"))
        #expect(kept.message == "`path` of save: `text` holds the integer 5 (kept from an earlier cell), expected a file path in quotes ending in .safetensors")
        let suffix = try #require(onlyDiagnostic(interpreter, "save base name"))
        #expect(suffix.kind == .invalidValue && suffix.message.hasSuffix("(`name` holds the string \"m.npy\", kept from an earlier cell)"))

        let zero = try #require(onlyDiagnostic(interpreter, "n = 0\ntrain base on=poly steps=n"))
        #expect(zero.kind == .outOfRange)
        #expect(zero.message == "`steps` of train is 0, out of range (`n` holds the integer 0, set at line 1)")

        let computed = try #require(onlyDiagnostic(interpreter, "train base on=poly steps=x*-1"))
        #expect(computed.kind == .outOfRange)
        #expect(computed.message == "`steps` of train is -7, out of range (computed from x*-1)")
        #expect(computed.range.start.column == 26 && computed.range.end.column == 30)

        let division = try #require(onlyDiagnostic(interpreter, "z = 0\ntrain base on=poly lr=1/z"))
        #expect(division.kind == .divisionByZero)
        #expect(division.message == "1/z: division by zero (`z` holds the integer 0, set at line 1)")
        #expect(division.range.start.line == 2 && division.range.start.column == 25)
        #expect(onlyDiagnostic(interpreter, "y = 1.5/(x-7)")?.kind == .divisionByZero)

        let mismatch = try #require(onlyDiagnostic(interpreter, "s = \"a\"\ny = s*2"))
        #expect(mismatch.kind == .wrongType)
        #expect(mismatch.message == "s*2: `s` holds the string \"a\" (set at line 1), expected a number")
        #expect(mismatch.range.start.line == 2 && mismatch.range.start.column == 5)

        let literal = try #require(onlyDiagnostic(interpreter, "y = 2 + \"a\""))
        #expect(literal.kind == .wrongType && literal.message == "2 + \"a\": arithmetic works on numbers, not the string \"a\"")
        #expect(literal.range.start.column == 9)
        #expect(onlyDiagnostic(interpreter, "y = nosuch*2")?.kind == .unknownName)
        #expect(onlyDiagnostic(interpreter, "y = poly*2")?.kind == .wrongKind)
        #expect(onlyDiagnostic(interpreter, "y = 9223372036854775807 + 1")?.kind == .outOfRange)
        #expect(onlyDiagnostic(interpreter, "y = 1e308*10")?.kind == .outOfRange)

        // A value that fits no alternative of a key says so, with its origin.
        let degree = try #require(onlyDiagnostic(interpreter, "d = \"five\"\nt = task chebyshev degree=d"))
        #expect(degree.kind == .wrongType && degree.message.hasPrefix("degree=d: `d` holds the string \"five\" (set at line 1), expected"))
        let bound = try #require(onlyDiagnostic(interpreter, "lo = 0\ntrain base on=poly curriculum=lo..41"))
        #expect(bound.kind == .outOfRange && bound.message == "`curriculum` of train is 0 (from `lo`, set at line 1), out of range", "\(bound.message)")
        #expect(bound.range.start.line == 2 && bound.range.start.column == 31)
        // The latest definition in the cell counts; a deleted value is gone.
        let redefined = try #require(onlyDiagnostic(interpreter, "v = 3\nv = \"a\"\ntrain base on=poly steps=v"))
        #expect(redefined.message.contains("(set at line 2)"))
        #expect(onlyDiagnostic(interpreter, "delete x\ntrain base on=poly steps=x")?.kind == .wrongType)
        // A list that names itself ends in an error, not a loop.
        #expect(onlyDiagnostic(interpreter, "m = model preset=tiny\nl = [m]\nm = l\ncompare m on=deg5") != nil)
    }

    @Test func aWrongTypeIsCaughtBeforeAnyStatementRuns() throws {
        let interpreter = try fixtureInterpreter()
        let (outcome, events) = interpreter.run("print \"first\"\nsteps = \"abc\"\ntrain base on=poly steps=steps")
        #expect(events.isEmpty, "nothing of the cell may run: \(events)")
        let error = try #require(outcome.error)
        #expect(error.name == "WrongType")
        #expect(error.traceback.first == "WrongType at line 3, column 26: steps=steps: `steps` holds the string \"abc\" (set at line 2), expected an integer from 1 to 100000000")
        #expect(interpreter.session["steps"] == nil, "the failed cell kept nothing")
    }

    @Test func parsingOfOperators() {
        // Arithmetic parses wherever a value goes; `-` next to a value subtracts.
        for cell in ["y = a*2", "y = a - b", "y = (a+b)*2", "train m on=t steps=n*2 lr=lr/10", "y = [a-1, -b, 2*-3]", "y = 0..n-1"] {
            #expect(Parser.parse(cell).diagnostics.isEmpty, "\(cell)")
        }
        let twoArguments = Parser.parse("print a -1").statements.first
        if case .command(let call)? = twoArguments?.body {
            #expect(call.arguments.count == 2)
        } else {
            Issue.record("print a -1 is a command")
        }
        for (cell, fragment) in [("y = 2 *", "needs a value after it"), ("y = ()", "empty parentheses"), ("y = (1 2)", "expected `)`"),
                                 ("y = " + Array(repeating: "1", count: 300).joined(separator: "+"), "more than 256 arithmetic operators")] {
            let diagnostics = Parser.parse(cell).diagnostics
            #expect(diagnostics.count == 1 && diagnostics[0].message.contains(fragment), "\(cell.prefix(20)): \(diagnostics.map(\.message))")
        }
    }

    @Test func completionOffersValuesWhereNumbersGo() throws {
        let interpreter = try fixtureInterpreter()
        func matches(_ code: String) -> [String] { interpreter.complete(code, cursor: code.unicodeScalars.count).matches }
        #expect(matches("train base on=poly steps=") == ["x"])
        #expect(matches("n = 3\ntrain base on=poly steps=x*") == ["n", "x"])
        #expect(matches("train base on=poly steps=x*2 ").contains("lr="))
        #expect(matches("train base on=poly steps=x*2 ").contains("base") == false)
        #expect(matches("train base optimizer=") == ["adam", "sgd"], "words only where words go")
        let help = try #require(interpreter.inspect("train base on=poly steps=x*2", cursor: 22))
        #expect(help.plainText.hasPrefix("steps: Optimizer steps."))
    }
}
