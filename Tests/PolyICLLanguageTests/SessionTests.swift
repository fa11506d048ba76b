import Testing
@testable import PolyICLLanguage

@Suite struct SessionTests {
    @Test func aCellWithACheckErrorChangesNothing() throws {
        let interpreter = try fixtureInterpreter()
        let before = interpreter.session.names
        let (outcome, events) = interpreter.run("y = 4\nx = 5\ndelete poly\nfoo")
        #expect(outcome.error?.name == "UnknownCommand")
        #expect(events.isEmpty)
        #expect(interpreter.session.names == before)
        #expect((interpreter.session["x"] as? ValueObject)?.value == .integer(7))
    }

    @Test func aFailingCommandStoresNothingAndKeepsEarlierWork() throws {
        let interpreter = try fixtureInterpreter()
        // The fixture's file is one byte, not a safetensors file: the load fails at run time.
        let (outcome, _) = interpreter.run("y = 4\nbase = load \"models/base.safetensors\"\nz = 1")
        let error = try #require(outcome.error)
        #expect(error.name == "InvalidValue")
        #expect(error.message.hasPrefix("cannot load models/base.safetensors:"))
        #expect(error.traceback[0].hasPrefix("InvalidValue at line 2, column 13: cannot load models/base.safetensors:"))
        #expect((interpreter.session["y"] as? ValueObject)?.value == .integer(4), "statements before the failure keep their results")
        #expect(interpreter.session["base"]?.kind == .model, "the failed statement did not replace `base`")
        #expect(interpreter.session["z"] == nil, "nothing runs after the failure")
    }

    @Test func listDeleteAndAliases() throws {
        let interpreter = Interpreter()
        #expect(interpreter.run("list").1 == [.result(MIMEBundle(plainText: "The session holds nothing yet."))])
        #expect(interpreter.run("a = 1\nb = [1, 2]\nc = a\ndelete a") == (.ok, []))
        #expect(interpreter.session.names == ["b", "c"])
        let (_, events) = interpreter.run("list")
        guard case .result(let bundle)? = events.first else {
            Issue.record("list showed nothing")
            return
        }
        #expect(bundle.plainText == "name  kind   summary\nb     value  [1, 2]\nc     value  1")
        #expect(bundle[MIMEBundle.html]?.contains("<code>b</code>") == true)
        #expect(interpreter.run("a").0.error?.name == "UnknownCommand")
        #expect(interpreter.run("list kind=model").1 == [.result(MIMEBundle(plainText: "The session holds no models."))])
    }
}
