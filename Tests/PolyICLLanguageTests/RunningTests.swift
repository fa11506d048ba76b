import Foundation
import Testing
@testable import PolyICLLanguage

@Suite struct RunningTests {
    static let notebook = """
    {"cells": [
      {"cell_type": "markdown", "metadata": {}, "source": ["# Title"]},
      {"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [], "source": ["print \\"a\\"\\n", "print \\"b\\"\\n", "print \\"c\\" stream=stderr"]},
      {"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [], "source": "progress 2 delay=0"},
      {"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [], "source": "x = 3\\nx"},
      {"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [], "source": "print 1\\nclear wait=true\\nprint 2"},
      {"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [], "source": "undefined_command"},
      {"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [], "source": "print \\"never\\""}
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    """

    @Test func notebookCellsGetNbformatOutputs() throws {
        let outcome = try NotebookRunner.run(Data(Self.notebook.utf8), interpreter: Interpreter(), cancellation: CancellationFlag())
        #expect(outcome.executedCells == 5)
        #expect(outcome.firstError?.name == "UnknownCommand")
        let json = try #require(try JSONSerialization.jsonObject(with: outcome.notebook) as? [String: Any])
        let cells = try #require(json["cells"] as? [[String: Any]])
        #expect(cells[0]["outputs"] == nil)

        let streams = try #require(cells[1]["outputs"] as? [[String: Any]])
        #expect(streams.count == 2)
        #expect(streams[0]["name"] as? String == "stdout" && streams[0]["text"] as? String == "a\nb\n")
        #expect(streams[1]["name"] as? String == "stderr" && streams[1]["text"] as? String == "c\n")
        #expect(cells[1]["execution_count"] as? Int == 1)

        let progress = try #require(cells[2]["outputs"] as? [[String: Any]])
        #expect(progress.count == 1)
        #expect(progress[0]["output_type"] as? String == "display_data")
        #expect((progress[0]["data"] as? [String: String])?["text/plain"]?.contains("2/2 (100%)") == true, "the display keeps its final state")

        let result = try #require(cells[3]["outputs"] as? [[String: Any]])
        #expect(result.count == 1)
        #expect(result[0]["output_type"] as? String == "execute_result")
        #expect(result[0]["execution_count"] as? Int == 3)
        #expect((result[0]["data"] as? [String: String]) == ["text/plain": "3"])

        let cleared = try #require(cells[4]["outputs"] as? [[String: Any]])
        #expect(cleared.count == 1 && cleared[0]["text"] as? String == "2\n", "clear wait=true clears when the next output comes")

        let error = try #require(cells[5]["outputs"] as? [[String: Any]])
        #expect(error.count == 1)
        #expect(error[0]["output_type"] as? String == "error")
        #expect(error[0]["ename"] as? String == "UnknownCommand")
        #expect((error[0]["traceback"] as? [String])?.count == 4)

        #expect(cells[6]["execution_count"] is NSNull, "cells after the failure are not run")
        #expect((cells[6]["outputs"] as? [Any])?.isEmpty == true)
    }

    @Test func notANotebookIsAnErrorThatSaysWhy() {
        #expect(throws: NotebookRunner.NotebookError.self) {
            try NotebookRunner.run(Data("[1, 2]".utf8), interpreter: Interpreter(), cancellation: CancellationFlag())
        }
        #expect(throws: NotebookRunner.NotebookError.self) {
            try NotebookRunner.run(Data("{\"cells\": [], \"nbformat\": 3}".utf8), interpreter: Interpreter(), cancellation: CancellationFlag())
        }
    }

    @Test func scriptWriterPrintsTextAndWritesRichOutputsToFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("polyicl-script-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var out = "", err = ""
        let writer = ScriptOutputWriter(directory: directory, baseName: "demo", writeOut: { out += $0 }, writeError: { err += $0 })
        let outcome = Interpreter().execute("print \"hi\"\nprogress 3 delay=0\ndisplay \"<i>x</i>\"\nprint \"e\" stream=stderr\n42",
                                            sink: writer, cancellation: CancellationFlag())
        writer.finish()
        #expect(outcome == .ok)
        let htmlFiles = writer.writtenFiles.map(\.lastPathComponent)
        #expect(htmlFiles == ["demo-1.html"], "a finished progress bar is printed, not written")
        let bar = "[" + String(repeating: "#", count: 30) + "] 3/3 (100%)\n"
        #expect(out == "hi\n" + bar + "x\n[wrote \(directory.path)/demo-1.html]\n42\n")
        #expect(err == "e\n")
        #expect(try String(contentsOf: directory.appendingPathComponent("demo-1.html"), encoding: .utf8) == "<i>x</i>")
    }
}
