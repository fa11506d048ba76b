import Testing
@testable import PolyICLLanguage

@Suite struct CompletionTests {
    func matches(_ interpreter: Interpreter, _ code: String) -> [String] {
        interpreter.complete(code, cursor: code.unicodeScalars.count).matches
    }

    @Test func commandNames() throws {
        let interpreter = try fixtureInterpreter()
        let result = interpreter.complete("pri", cursor: 3)
        #expect(result == CompletionResult(matches: ["print"], start: 0, end: 3))
        #expect(matches(interpreter, "ev2 = ev") == ["ev", "eval"], "after `name =`: commands, and names to alias")
        // At a statement's start, session names complete too (a bare name shows them).
        #expect(matches(interpreter, "print 1\nde") == ["deg5", "delete", "density"])
    }

    @Test func keysOfTheCommandAtTheCursor() throws {
        let interpreter = try fixtureInterpreter()
        let result = interpreter.complete("train base st", cursor: 13)
        #expect(result.matches == ["steps="])
        #expect(result.start == 11)
        let all = matches(interpreter, "train base on=poly ")
        #expect(all.contains("lr=") && all.contains("curriculum=") && !all.contains("on="))
        #expect(!all.contains("base"), "the model is already given")
        let first = matches(interpreter, "train ")
        #expect(first.contains("base") && first.contains("on=") && !first.contains("poly"))
    }

    @Test func enumeratedValuesAndNamesOfTheRightKind() throws {
        let interpreter = try fixtureInterpreter()
        #expect(matches(interpreter, "train base optimizer=") == ["adam", "sgd"])
        #expect(matches(interpreter, "train base on=") == ["deg5", "poly"])
        #expect(matches(interpreter, "train base on=p") == ["poly"])
        #expect(matches(interpreter, "eval base on=poly baselines=[lstsq, ri") == ["ridge("])
        #expect(matches(interpreter, "print \"x\" stream=std") == ["stderr", "stdout"])
        #expect(matches(interpreter, "model positions=") == ["false", "true"])
        #expect(matches(interpreter, "help tr") == ["train"])
        #expect(matches(interpreter, "plot ") .contains("ev"))
        #expect(!matches(interpreter, "plot ").contains("x"), "plot takes results, tasks and models, not values")
    }

    @Test func perturbCountsItsRangeValuesWithValuesNotSteps() throws {
        let interpreter = try fixtureInterpreter()
        // `steps=` is what the notebook test's shortener rewrites; perturb's count is `values=`.
        #expect(matches(interpreter, "p = perturb sp on=deg5 scale=0.5..1.2 v") == ["values="])
        #expect(!matches(interpreter, "p = perturb sp on=deg5 ").contains("steps="))
    }

    @Test func loadNamesTheBaseOfAnAdapterFile() throws {
        let interpreter = try fixtureInterpreter()
        #expect(matches(interpreter, "ft2 = load \"models/ft-adapters.safetensors\" b") == ["base="])
        #expect(matches(interpreter, "load \"models/ft-adapters.safetensors\" base=") == ["base", "ft", "sp"], "models only")
    }

    @Test func formsOfTask() throws {
        let interpreter = try fixtureInterpreter()
        #expect(matches(interpreter, "t = task ") == ["chebyshev", "file", "linear"])
        #expect(matches(interpreter, "t = task chebyshev de") == ["degree="])
        #expect(matches(interpreter, "t = task linear x") == ["xscale=", "xshift="])
    }

    @Test func namesMadeEarlierInTheSameCell() throws {
        let interpreter = try fixtureInterpreter()
        #expect(matches(interpreter, "fresh = task chebyshev degree=3\ntrain base on=") == ["deg5", "fresh", "poly"])
    }

    @Test func cursorCountsCodePoints() throws {
        let interpreter = try fixtureInterpreter()
        let code = "print \"é☺👍🏽\"\npri"
        // 6 + 1 + 4 + 1 + 1 + 3 code points; 👍🏽 is two code points and one Character.
        let cursor = code.unicodeScalars.count
        #expect(cursor == 16)
        #expect(interpreter.complete(code, cursor: cursor) == CompletionResult(matches: ["print"], start: 13, end: 16))
        // The middle of a line completes what is before the cursor.
        #expect(interpreter.complete("train base st lr=1", cursor: 13).matches == ["steps="])
    }

    @Test func nothingToCompleteInsideStringsOrCalls() throws {
        let interpreter = try fixtureInterpreter()
        #expect(matches(interpreter, "print \"pr").isEmpty)
        #expect(matches(interpreter, "eval base on=poly baselines=[ridge(").isEmpty)
        #expect(matches(interpreter, "nosuch ").isEmpty)
    }

    @Test func inspectionShowsHelpOfTheCommandUnderTheCursor() throws {
        let interpreter = try fixtureInterpreter()
        let help = try #require(interpreter.inspect("train base on=poly steps=10", cursor: 2))
        #expect(help.plainText.hasPrefix("train: Train a model"))
        #expect(help.plainText.contains("[NAME =] ") == false)
        let key = try #require(interpreter.inspect("x = 1\ntrain base on=poly steps=10", cursor: 28))
        #expect(key.plainText.hasPrefix("steps: Optimizer steps."))
        let assigned = try #require(interpreter.inspect("ev2 = eval base on=poly", cursor: 8))
        #expect(assigned.plainText.hasPrefix("eval:"))
        let name = try #require(interpreter.inspect("poly", cursor: 4))
        #expect(name.plainText == "poly: a task — stub task")
        #expect(interpreter.inspect("# nothing here", cursor: 3) == nil)
        let named = try #require(interpreter.inspect("help train", cursor: 8))
        #expect(named.plainText.hasPrefix("train:"))
    }

    @Test func isCompleteKnowsOpenBracketsAndStrings() throws {
        let interpreter = Interpreter()
        #expect(interpreter.isComplete("print 1") == .complete)
        #expect(interpreter.isComplete("") == .complete)
        #expect(interpreter.isComplete("undefined_command") == .complete, "is_complete judges syntax only")
        #expect(interpreter.isComplete("eval m on=t baselines=[lstsq,") == .incomplete(indent: "  "))
        #expect(interpreter.isComplete("print ridge(0.2") == .incomplete(indent: "  "))
        #expect(interpreter.isComplete("print [(") == .incomplete(indent: "    "))
        #expect(interpreter.isComplete("print \"abc") == .incomplete(indent: ""))
        #expect(interpreter.isComplete("print ]") == .invalid)
        #expect(interpreter.isComplete("print (1) *") == .invalid)
        #expect(interpreter.isComplete("print (1)") == .complete, "parentheses group arithmetic")
        #expect(interpreter.isComplete("x = ") == .invalid)
    }
}
