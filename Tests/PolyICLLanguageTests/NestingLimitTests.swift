import Testing
@testable import PolyICLLanguage

/// Deeply nested lists and calls are a syntax error, not a stack overflow that kills the
/// kernel (found by fuzzing the kernel: 20 000 `[` crashed it).
@Suite struct NestingLimitTests {
    static let depthLimit = Parser.maximumNesting

    @Test func nestingAtTheLimitRuns() throws {
        let interpreter = try fixtureInterpreter()
        let depth = Self.depthLimit
        let cell = "y = " + String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth)
        let (outcome, _) = interpreter.run(cell)
        #expect(outcome == .ok)
        #expect(interpreter.session["y"] != nil)
    }

    @Test func deeperListsAreOneSyntaxErrorAtTheFirstBracketTooDeep() throws {
        let interpreter = try fixtureInterpreter()
        let cell = "y = " + String(repeating: "[", count: 20_000) + String(repeating: "]", count: 20_000)
        let (outcome, events) = interpreter.run(cell)
        #expect(events.isEmpty)
        let error = try #require(outcome.error)
        #expect(error.name == "SyntaxError")
        // "y = " fills columns 1-4, so bracket k is at column 4 + k; the 33rd is too deep.
        #expect(error.traceback[0] == "SyntaxError at line 1, column \(4 + Self.depthLimit + 1): lists and calls nest more than \(Self.depthLimit) levels deep here")
        #expect(interpreter.session["y"] == nil)
    }

    @Test func deeperCallsAreASyntaxError() throws {
        let interpreter = try fixtureInterpreter()
        let cell = "print " + String(repeating: "f(", count: 5_000) + "1" + String(repeating: ")", count: 5_000)
        let error = try #require(interpreter.run(cell).0.error)
        #expect(error.name == "SyntaxError")
        #expect(error.message.contains("nest more than"))
    }

    @Test func thousandsOfUnclosedBracketsShowTenProblems() throws {
        let interpreter = try fixtureInterpreter()
        let cell = "y = " + String(repeating: "[", count: 20_000)
        let error = try #require(interpreter.run(cell).0.error)
        #expect(error.traceback.last == "20001 problems (the first 10 shown); nothing was run.")
        // Ten problems of at most four lines each, blank lines between, and the summary.
        #expect(error.traceback.count <= 10 * 5 + 2)
        // The other entry points see the same text without trouble.
        #expect(interpreter.isComplete(cell) == .incomplete(indent: String(repeating: "  ", count: 20_000)))
        _ = interpreter.complete(cell, cursor: 10)
        _ = interpreter.inspect(cell, cursor: 10)
    }
}
