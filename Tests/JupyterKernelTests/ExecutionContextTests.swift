import Testing
@testable import JupyterKernel

@Suite struct ExecutionContextTests {
    final class Recorder: @unchecked Sendable {
        let messages = Locked<[(String, JSONObject)]>([])
        var all: [(String, JSONObject)] { messages.withLock { $0 } }
    }

    func makeContext(silent: Bool = false, flag: CancellationFlag = CancellationFlag()) -> (ExecutionContext, Recorder) {
        let recorder = Recorder()
        let context = ExecutionContext(executionCount: 7, isSilent: silent, cancellation: flag) { type, content in
            recorder.messages.withLock { $0.append((type, content)) }
        }
        return (context, recorder)
    }

    @Test func outputsBecomeProtocolContent() {
        let (context, recorder) = makeContext()
        context.stream(.stderr, "e\n")
        context.display(MIMEBundle(plainText: "p", [("text/html", "<b>p</b>")]), displayID: "d1")
        context.updateDisplay(MIMEBundle(plainText: "q"), displayID: "d1")
        context.clearOutput(wait: true)
        context.result(MIMEBundle(plainText: "42"))
        let types = recorder.all.map(\.0)
        #expect(types == ["stream", "display_data", "update_display_data", "clear_output", "execute_result"])
        let contents = recorder.all.map(\.1)
        #expect(contents[0] == ["name": "stderr", "text": "e\n"])
        #expect(contents[1]["data"] == ["text/plain": "p", "text/html": "<b>p</b>"])
        #expect(contents[1]["transient"] == ["display_id": "d1"])
        #expect(contents[2]["transient"] == ["display_id": "d1"])
        #expect(contents[3] == ["wait": true])
        #expect(contents[4]["execution_count"] == 7)
        #expect(context.publishedResultText == "42")
    }

    @Test func pagePayloadIsCollectedForTheReply() {
        let (context, _) = makeContext()
        context.page(MIMEBundle(plainText: "help text"))
        #expect(context.payloads == [["source": "page", "data": ["text/plain": "help text"], "start": 0]])
    }

    @Test func cancellationReachesPollersAndHandlersOnce() {
        let flag = CancellationFlag()
        let (context, _) = makeContext(flag: flag)
        let calls = Locked(0)
        context.onCancel { calls.withLock { $0 += 1 } }
        #expect(!context.isCancelled)
        flag.set()
        flag.set()
        #expect(context.isCancelled)
        #expect(calls.withLock { $0 } == 1)
        // Registered after the fact: runs at once.
        context.onCancel { calls.withLock { $0 += 1 } }
        #expect(calls.withLock { $0 } == 2)
    }

    @Test func mimeBundleAlwaysKeepsPlainText() {
        var bundle = MIMEBundle(plainText: "x", [("text/plain", "ignored"), ("application/json", ["a": 1])])
        #expect(bundle.plainText == "x")
        #expect(bundle["application/json"] == ["a": 1])
        bundle["text/plain"] = nil
        #expect(bundle.plainText == "x")
    }
}
