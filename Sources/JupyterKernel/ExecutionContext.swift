/// What a running cell can do besides returning its outcome: publish outputs on iopub
/// (with the execute request as parent), add reply payloads, and see whether it was
/// cancelled. Safe to use from any thread the interpreter starts.
public final class ExecutionContext: Sendable {
    public enum StreamName: String, Sendable { case stdout, stderr }

    public let executionCount: Int
    public let isSilent: Bool
    private let cancellation: CancellationFlag
    private let publish: @Sendable (_ type: String, _ content: JSONObject) -> Void
    private let payloadStore = Locked<[JSONValue]>([])
    private let resultText = Locked<String?>(nil)

    init(executionCount: Int, isSilent: Bool, cancellation: CancellationFlag,
         publish: @escaping @Sendable (String, JSONObject) -> Void) {
        self.executionCount = executionCount
        self.isSilent = isSilent
        self.cancellation = cancellation
        self.publish = publish
    }

    /// True once the user interrupted the cell (SIGINT or interrupt_request) or the
    /// kernel is shutting down.
    public var isCancelled: Bool { cancellation.isSet }

    /// Runs `handler` once when the cell is cancelled, on the cancelling thread; for
    /// forwarding the request to a cancellation flag of the interpreter's own.
    public func onCancel(_ handler: @escaping @Sendable () -> Void) {
        cancellation.onSet(handler)
    }

    /// Publishes an execute_result now (in order with the other outputs). Use this or
    /// return the result in `ExecutionOutcome.success(result:)`, not both.
    public func result(_ bundle: MIMEBundle, metadata: JSONObject = [:]) {
        resultText.withLock { $0 = bundle.plainText }
        publish("execute_result", ["execution_count": .number(Double(executionCount)),
                                   "data": .object(bundle.data), "metadata": .object(metadata)])
    }

    public func stream(_ name: StreamName, _ text: String) {
        publish("stream", ["name": .string(name.rawValue), "text": .string(text)])
    }

    /// display_data; give a `displayID` to update this output later in place.
    public func display(_ bundle: MIMEBundle, metadata: JSONObject = [:], displayID: String? = nil) {
        var content: JSONObject = ["data": .object(bundle.data), "metadata": .object(metadata)]
        content["transient"] = .object(displayID.map { ["display_id": .string($0)] } ?? [:])
        publish("display_data", content)
    }

    /// update_display_data: replaces every output shown with `displayID`.
    public func updateDisplay(_ bundle: MIMEBundle, metadata: JSONObject = [:], displayID: String) {
        publish("update_display_data", ["data": .object(bundle.data), "metadata": .object(metadata),
                                        "transient": ["display_id": .string(displayID)]])
    }

    /// clear_output; with `wait`, the frontend clears only when the next output arrives.
    public func clearOutput(wait: Bool = false) {
        publish("clear_output", ["wait": .bool(wait)])
    }

    /// A pager payload ("help page") shown by the frontend beside the cell.
    public func page(_ bundle: MIMEBundle, start: Int = 0) {
        addPayload(["source": "page", "data": .object(bundle.data), "start": .number(Double(start))])
    }

    public func addPayload(_ payload: JSONObject) {
        payloadStore.withLock { $0.append(.object(payload)) }
    }

    var payloads: [JSONValue] { payloadStore.withLock { $0 } }

    /// The plain text of the last result published through `result(_:)`, for history.
    var publishedResultText: String? { resultText.withLock { $0 } }
}
