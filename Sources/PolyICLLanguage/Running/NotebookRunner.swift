import Foundation

/// Executes a notebook's code cells in order and returns it with their outputs, as
/// `jupyter execute` would: execution counts from 1, outputs in nbformat 4 form, and
/// execution stopping at the first cell that fails (its error stored in its outputs).
public enum NotebookRunner {
    public struct NotebookError: Error, CustomStringConvertible {
        public var description: String
    }

    public struct Outcome {
        /// The notebook as JSON, ready to write.
        public var notebook: Data
        public var firstError: ExecutionError?
        public var executedCells: Int
    }

    public static func run(_ notebookJSON: Data, interpreter: Interpreter, cancellation: CancellationFlag,
                           progress: (Int, Int) -> Void = { _, _ in }) throws -> Outcome {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: notebookJSON)
        } catch {
            throw NotebookError(description: "the file is not JSON: \(error.localizedDescription)")
        }
        guard var notebook = parsed as? [String: Any], var cells = notebook["cells"] as? [[String: Any]] else {
            throw NotebookError(description: "not a notebook: expected a JSON object with a \"cells\" list (nbformat 4)")
        }
        if let major = notebook["nbformat"] as? Int, major != 4 {
            throw NotebookError(description: "nbformat \(major) is not supported; save the notebook as nbformat 4")
        }
        var count = 0
        var firstError: ExecutionError?
        let codeCells = cells.indices.filter { cells[$0]["cell_type"] as? String == "code" }
        for (position, index) in codeCells.enumerated() {
            var cell = cells[index]
            if firstError != nil {
                break
            }
            let source = Self.source(of: cell)
            count += 1
            progress(position + 1, codeCells.count)
            let recorder = NotebookOutputRecorder(executionCount: count)
            cancellation.reset()
            let outcome = interpreter.execute(source, sink: recorder, cancellation: cancellation)
            if case .error(let error) = outcome {
                recorder.record(error)
                firstError = error
            }
            cell["outputs"] = recorder.outputs
            cell["execution_count"] = count
            cells[index] = cell
        }
        notebook["cells"] = cells
        let data = try JSONSerialization.data(withJSONObject: notebook, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return Outcome(notebook: data + Data("\n".utf8), firstError: firstError, executedCells: count)
    }

    /// nbformat allows the source as one string or a list of lines.
    static func source(of cell: [String: Any]) -> String {
        if let text = cell["source"] as? String { return text }
        if let lines = cell["source"] as? [String] { return lines.joined() }
        return ""
    }
}
