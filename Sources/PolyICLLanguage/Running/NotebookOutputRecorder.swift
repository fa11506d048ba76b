/// Collects a cell's outputs as nbformat 4 output dictionaries, as `jupyter execute`
/// stores them: consecutive stream text merged, displays with an id updated in place,
/// execute_result with its execution count, clear_output honoured (including wait).
public final class NotebookOutputRecorder: OutputSink {
    public private(set) var outputs: [[String: Any]] = []
    private let executionCount: Int
    private var displayIndices: [String: [Int]] = [:]
    private var clearPending = false

    public init(executionCount: Int) {
        self.executionCount = executionCount
    }

    private func append(_ output: [String: Any]) {
        if clearPending {
            clearNow()
        }
        outputs.append(output)
    }

    private func clearNow() {
        outputs.removeAll()
        displayIndices.removeAll()
        clearPending = false
    }

    static func data(_ bundle: MIMEBundle) -> [String: Any] {
        var data: [String: Any] = [:]
        for (mime, content) in bundle.data { data[mime] = content }
        return data
    }

    public func stream(_ name: OutputStreamName, _ text: String) {
        if !clearPending, let last = outputs.last, last["output_type"] as? String == "stream", last["name"] as? String == name.rawValue {
            outputs[outputs.count - 1]["text"] = (last["text"] as? String ?? "") + text
        } else {
            append(["output_type": "stream", "name": name.rawValue, "text": text])
        }
    }

    public func display(_ bundle: MIMEBundle, displayID: String?) {
        append(["output_type": "display_data", "data": Self.data(bundle), "metadata": [String: Any]()])
        if let displayID { displayIndices[displayID, default: []].append(outputs.count - 1) }
    }

    public func updateDisplay(_ displayID: String, _ bundle: MIMEBundle) {
        // As nbclient does: every output shown under this id takes the new data.
        for index in displayIndices[displayID] ?? [] where index < outputs.count {
            outputs[index]["data"] = Self.data(bundle)
        }
    }

    public func result(_ bundle: MIMEBundle) {
        append(["output_type": "execute_result", "execution_count": executionCount, "data": Self.data(bundle), "metadata": [String: Any]()])
    }

    public func clearOutput(wait: Bool) {
        if wait { clearPending = true } else { clearNow() }
    }

    /// A frontend shows help in a pager; a stored notebook has none, so the text is kept
    /// as a plain-text display to stay visible.
    public func page(_ text: String) {
        append(["output_type": "display_data", "data": ["text/plain": text], "metadata": [String: Any]()])
    }

    public func record(_ error: ExecutionError) {
        append(["output_type": "error", "ename": error.name, "evalue": error.message, "traceback": error.traceback])
    }
}
