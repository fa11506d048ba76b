import Foundation
import Testing
@testable import PolyICLLanguage

/// The exact samples the kernel's conformance tests send.
@Suite struct SampleSyntaxTests {
    @Test func printWritesToStdoutAndStderr() throws {
        let interpreter = Interpreter()
        #expect(interpreter.run("print \"hello, world\"") == (.ok, [.stream(.stdout, "hello, world\n")]))
        #expect(interpreter.run("print \"text\" stream=stderr") == (.ok, [.stream(.stderr, "text\n")]))
        #expect(interpreter.run("print \"steps:\" 20000 0.5 [1, \"a\"]").1 == [.stream(.stdout, "steps: 20000 0.5 [1, \"a\"]\n")])
    }

    @Test func bareLiteralIsTheResult() {
        let interpreter = Interpreter()
        #expect(interpreter.run("42") == (.ok, [.result(MIMEBundle(plainText: "42"))]))
        #expect(interpreter.run("1e-4").1 == [.result(MIMEBundle(plainText: "0.0001"))])
        #expect(interpreter.run("[1, 0..11, \"a\"]").1 == [.result(MIMEBundle(plainText: "[1, 0..11, \"a\"]"))])
    }

    @Test func displayHasHTMLAndPlainText() {
        let (outcome, events) = Interpreter().run("display \"<b>hi</b> &amp; bye\"")
        #expect(outcome == .ok)
        #expect(events == [.display(MIMEBundle(plainText: "hi & bye", html: "<b>hi</b> &amp; bye"), nil)])
    }

    @Test func progressUpdatesOneDisplay() throws {
        let (outcome, events) = Interpreter().run("progress 5")
        #expect(outcome == .ok)
        try #require(events.count == 6)
        guard case .display(let first, let id?) = events[0] else {
            Issue.record("first event is not a display with an id: \(events[0])")
            return
        }
        #expect(first.plainText.contains("0/5"))
        for (i, event) in events.dropFirst().enumerated() {
            guard case .update(let updatedID, let bundle) = event else {
                Issue.record("not an update: \(event)")
                continue
            }
            #expect(updatedID == id)
            #expect(bundle.plainText.contains("\(i + 1)/5"))
            #expect(bundle[MIMEBundle.html] != nil)
        }
    }

    @Test func clearAndHelp() throws {
        let interpreter = Interpreter()
        #expect(interpreter.run("clear") == (.ok, [.clear(false)]))
        #expect(interpreter.run("clear wait=true").1 == [.clear(true)])
        let (outcome, events) = interpreter.run("help print")
        #expect(outcome == .ok)
        guard case .page(let text)? = events.first, events.count == 1 else {
            Issue.record("help did not page: \(events)")
            return
        }
        #expect(text.hasPrefix("print: Write values as text"))
        #expect(text.contains("print VALUE ... [stream=stdout|stderr]"))
        guard case .page(let overview)? = interpreter.run("help").1.first else {
            Issue.record("help alone did not page")
            return
        }
        for name in interpreter.registry.names { #expect(overview.contains("\n  \(name) ")) }
    }

    @Test func assignedValueIsShownByName() {
        let interpreter = Interpreter()
        #expect(interpreter.run("x = 3") == (.ok, []))
        #expect(interpreter.run("x") == (.ok, [.result(MIMEBundle(plainText: "3"))]))
        #expect(interpreter.run("s = \"a\\tb\"\nprint s\ns").1 == [.stream(.stdout, "a\tb\n"), .result(MIMEBundle(plainText: "\"a\\tb\""))])
    }

    @Test func onlyTheLastStatementIsTheResult() {
        let (_, events) = Interpreter().run("1\n2")
        #expect(events == [.display(MIMEBundle(plainText: "1"), nil), .result(MIMEBundle(plainText: "2"))])
        let (_, listed) = Interpreter().run("list\n3")
        #expect(listed == [.display(MIMEBundle(plainText: "The session holds nothing yet."), nil), .result(MIMEBundle(plainText: "3"))])
    }

    @Test func sleepEndsWhenCancelled() throws {
        let interpreter = Interpreter()
        #expect(interpreter.run("sleep 0.01") == (.ok, []))
        let flag = CancellationFlag()
        let finished = DispatchSemaphore(value: 0)
        let box = OutcomeBox()
        let thread = Thread {
            box.outcome = interpreter.execute("sleep 30", sink: RecordingSink(), cancellation: flag)
            finished.signal()
        }
        thread.start()
        Thread.sleep(forTimeInterval: 0.05)
        flag.cancel()
        // Generous bound: only guards against a hang, the assertion is about the error.
        try #require(finished.wait(timeout: .now() + 25) == .success)
        let error = try #require(box.outcome?.error)
        #expect(error.name == "Interrupted")
        #expect(error.message.hasPrefix("Interrupted"))
    }

    @Test func aCancelledCellRunsNothingMore() throws {
        let interpreter = Interpreter()
        let flag = CancellationFlag()
        flag.cancel()
        let sink = RecordingSink()
        let outcome = interpreter.execute("x = 1\nprint 2", sink: sink, cancellation: flag)
        #expect(outcome.error?.name == "Interrupted")
        #expect(sink.events.isEmpty)
        #expect(interpreter.session["x"] == nil)
    }
}

final class OutcomeBox: @unchecked Sendable {
    var outcome: ExecutionOutcome?
}

@Suite struct ValueStatementTests {
    @Test func valuesShowAsTheyAreWritten() {
        let interpreter = Interpreter()
        let cases: [(String, String)] = [
            ("-3", "-3"), ("0.5", "0.5"), ("1e-5", "1e-05"), ("2.5e20", "2.5e+20"), ("20_000", "20000"),
            ("\"a\\\"b\"", "\"a\\\"b\""), ("true", "true"), ("0..11", "0..11"), ("-1..1.5", "-1.0..1.5"),
            ("[1, [2, 3], \"x\"]", "[1, [2, 3], \"x\"]"), ("ridge(0.2)", "ridge(0.2)"), ("[]", "[]"),
        ]
        for (cell, shown) in cases {
            #expect(interpreter.run(cell) == (.ok, [.result(MIMEBundle(plainText: shown))]), "\(cell)")
            // What is shown reads back as the same value.
            #expect(interpreter.run(shown).1 == [.result(MIMEBundle(plainText: shown))], "\(shown)")
        }
    }

    @Test func badValuesAreErrors() {
        let interpreter = Interpreter()
        #expect(interpreter.run("a..b").0.error?.name == "WrongType")
        #expect(interpreter.run("5..1").0.error?.name == "OutOfRange")
        #expect(interpreter.run("f(nosuch)").0.error?.name == "UnknownName")
        #expect(interpreter.run("[1, nosuch]").0.error?.name == "UnknownName")
    }
}
