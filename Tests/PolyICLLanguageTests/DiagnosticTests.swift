import Testing
@testable import PolyICLLanguage

@Suite struct DiagnosticTests {
    func onlyError(_ interpreter: Interpreter, _ cell: String) -> ExecutionError? {
        let (outcome, events) = interpreter.run(cell)
        #expect(events.isEmpty, "a cell with an error must run nothing: \(events)")
        return outcome.error
    }

    @Test func unknownKeyShowsLineCaretAndDidYouMean() throws {
        let interpreter = try fixtureInterpreter()
        let error = try #require(onlyError(interpreter, "print 1\ntrain base on=poly stepz=100"))
        #expect(error.name == "UnknownKey")
        #expect(error.traceback == [
            "UnknownKey at line 2, column 20: train has no key `stepz`",
            "  2 | train base on=poly stepz=100",
            "    |                    ^~~~~",
            "  did you mean `steps`?",
        ])
        #expect(error.message == "train has no key `stepz` (line 2, column 20)")
    }

    @Test func caretKeepsTabsAndCountsCodePoints() throws {
        let interpreter = try fixtureInterpreter()
        let error = try #require(onlyError(interpreter, "\tprint \"é☺\" stream=stdrr"))
        #expect(error.name == "InvalidValue")
        #expect(error.traceback[0].hasPrefix("InvalidValue at line 1, column 20:"))
        #expect(error.traceback[2] == "    | \t" + String(repeating: " ", count: 18) + "^~~~~")
        #expect(error.traceback[3].contains("did you mean `stderr`?"))
    }

    @Test func unknownCommandIsExactlyOneError() throws {
        let interpreter = try fixtureInterpreter()
        let error = try #require(onlyError(interpreter, "undefined_command"))
        #expect(error.name == "UnknownCommand")
        #expect(error.message.contains("`undefined_command` is not a command or a name in this session"))
        let typo = try #require(onlyError(interpreter, "pirnt \"x\""))
        #expect(typo.name == "UnknownCommand")
        #expect(typo.traceback.last == "  did you mean `print`?")
    }

    @Test func typesRangesAndRequiredArguments() throws {
        let interpreter = try fixtureInterpreter()
        let cases: [(String, String, String)] = [
            ("train base on=poly steps=-5", "OutOfRange", "`steps` of train is -5, out of range"),
            ("train base on=poly lr=0", "OutOfRange", "`lr` of train is 0, out of range"),
            ("train base on=poly steps=\"many\"", "WrongType", "`steps` of train must be an integer from 1 to 100000000, not the string \"many\""),
            ("train base on=poly steps=2.5", "WrongType", "must be an integer"),
            ("train base", "MissingArgument", "train needs `on`"),
            ("train poly on=poly", "WrongKind", "`poly` is a task, but `model` of train needs a model"),
            ("train bse on=poly", "UnknownName", "no model named `bse`"),
            ("train base on=poly optimizer=adamw", "InvalidValue", "`adamw` is not allowed for `optimizer` of train"),
            ("train base on=poly warmup=50 steps=10", "OutOfRange", "warmup=50 is longer than the whole run"),
            ("m = model dim=128 heads=3", "InvalidValue", "heads=3 is not valid"),
            ("t = task chebyshev degree=9..3", "OutOfRange", "runs backwards"),
            ("t = task chebyshev degree=2 fixed=5", "OutOfRange", "fixed=5 fixes more coefficients"),
            ("t = task cheb degree=2", "InvalidValue", "`cheb` is not a kind of task"),
            ("t = task", "MissingArgument", "task needs its kind first"),
            ("eval base on=poly baselines=[ridge]", "WrongType", "`ridge` takes 1 argument: write ridge(λ)"),
            ("eval base on=poly baselines=[ridge(-1)]", "OutOfRange", "`λ` of ridge is -1, out of range"),
            ("load \"missing.safetensors\"", "FileNotFound", "file \"missing.safetensors\" does not exist"),
            ("export ev \"ev.xlsx\"", "InvalidValue", "does not end in .csv or .json"),
            ("print = 3", "ReservedName", "`print` is a command"),
            ("y = print 1", "NoValue", "print makes nothing to keep"),
            ("print 1 2 stream=stdout stream=stderr", "DuplicateArgument", "`stream` is given twice"),
            ("clear 5", "UnexpectedArgument", "clear takes no positional arguments"),
            ("x 3", "UnknownCommand", "`x` is a value in this session, not a command"),
            ("help trian", "UnknownCommand", "`trian` is not a command"),
        ]
        for (cell, name, fragment) in cases {
            let error = onlyError(interpreter, cell)
            #expect(error?.name == name, "\(cell): \(String(describing: error))")
            #expect(error?.message.contains(fragment) == true, "\(cell): \(error?.message ?? "no error")")
        }
    }

    @Test func hintsSayWhatWouldBeRight() throws {
        let interpreter = try fixtureInterpreter()
        let steps = try #require(onlyError(interpreter, "train base on=poly steps=0"))
        #expect(steps.traceback.last == "  it must be from 1 to 100000000")
        let lr = try #require(onlyError(interpreter, "train base on=poly lr=-1e-4"))
        #expect(lr.traceback.last == "  it must be > 0")
        let kind = try #require(onlyError(interpreter, "train base on=ev"))
        #expect(kind.traceback.last == "  tasks in this session: deg5, poly")
        let heads = try #require(onlyError(interpreter, "m = model dim=128 heads=3"))
        #expect(heads.traceback.last?.contains("a divisor of dim=128") == true)
    }

    @Test func everyProblemOfACellIsReportedAndNothingRuns() throws {
        let interpreter = try fixtureInterpreter()
        let error = try #require(onlyError(interpreter, "print \"first\"\nfoo\ntrain base on=poly steps=0"))
        #expect(error.name == "UnknownCommand")
        #expect(error.message.hasSuffix("and 1 more problem"))
        #expect(error.traceback.contains { $0.hasPrefix("OutOfRange at line 3, column 26") })
        #expect(error.traceback.last == "2 problems; nothing was run.")
    }

    @Test func argumentsAreCheckedAgainstTheModelsSize() throws {
        let interpreter = try fixtureInterpreter()
        let cases: [(String, String, Int, Int)] = [
            // The standard model (live in the session) takes 81 points in 6 layers.
            ("eval base on=poly points=100", "points=100 is more than model `base` takes (81 points, 162 positions)", 1, 19),
            ("train base on=poly curriculum=5..101", "curriculum ends at 101 points, more than model `base` takes (81)", 1, 20),
            ("train base on=poly freeze=[read_in, h.6]", "model `base` has no parameter group `h.6`", 1, 20),
            ("show poly model=base context=81", "context=81 is more than model `base` takes (81 points, 162 positions)", 1, 22),
            // A model made earlier in the same cell is known before anything runs.
            ("m = model preset=tiny\ne = eval m on=poly points=31", "points=31 is more than model `m` takes (16 points, 32 positions)", 2, 20),
            ("m = model preset=tiny positions=off\ntrain m on=poly freeze=wpe", "model `m` has no parameter group `wpe`", 2, 17),
        ]
        for (cell, message, line, column) in cases {
            let diagnostics = interpreter.diagnostics(for: cell)
            #expect(diagnostics.map(\.message) == [message], "\(cell)")
            #expect(diagnostics.first?.range.start.line == line && diagnostics.first?.range.start.column == column, "\(cell): \(String(describing: diagnostics.first?.range))")
        }
        #expect(interpreter.diagnostics(for: "eval base on=poly points=81").isEmpty)
        #expect(interpreter.diagnostics(for: "show poly model=base context=80").isEmpty)
        #expect(interpreter.diagnostics(for: "train base on=poly curriculum=5..81 freeze=[h.5, wpe]").isEmpty)
        #expect(interpreter.diagnostics(for: "m = model preset=tiny\nm = model preset=large\neval m on=poly points=81").isEmpty,
                "a redefined name takes its new configuration")
    }

    @Test func namesMadeEarlierInTheCellAreKnownLater() throws {
        let interpreter = try fixtureInterpreter()
        #expect(interpreter.diagnostics(for: "t = task chebyshev degree=5\nm = model preset=tiny\ntrain m on=t").isEmpty)
        let deleted = interpreter.diagnostics(for: "delete poly\ntrain base on=poly")
        #expect(deleted.map(\.kind) == [.unknownName])
        let rekinded = interpreter.diagnostics(for: "poly = 3\ntrain base on=poly")
        #expect(rekinded.map(\.kind) == [.wrongKind])
    }
}
