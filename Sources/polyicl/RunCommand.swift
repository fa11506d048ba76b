import ArgumentParser
import Foundation
import PolyICLLanguage

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a script of commands or execute a notebook.",
        discussion: """
        FILE.icl: the whole script is checked first, then run; text outputs are printed, SVG and \
        HTML outputs written next to the script (or to --out). FILE.ipynb: each code cell is \
        executed in order and the notebook written back with its outputs (to --out if given), as \
        `jupyter execute` would. The exit status is 1 at the first failing command, with its error printed.
        """
    )

    @Argument(help: "A script (.icl) or a notebook (.ipynb).")
    var file: String

    @Option(name: .long, help: "Directory for SVG/HTML outputs of a script, or for the executed notebook.")
    var out: String?

    func run() throws {
        let url = URL(fileURLWithPath: file)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ValidationError("\(file) does not exist.")
        }
        let directory = url.deletingLastPathComponent()
        let outDirectory = out.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? directory
        let interpreter = Interpreter(workingDirectory: directory.path)
        let cancellation = CancellationFlag()
        // Ctrl-C interrupts the running command (the session stays consistent); a second
        // Ctrl-C, once the first has stopped nothing, ends the process as usual.
        signal(SIGINT, SIG_IGN)
        let interrupts = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        interrupts.setEventHandler {
            if cancellation.isCancelled { Foundation.exit(130) }
            cancellation.cancel()
        }
        interrupts.resume()
        defer { interrupts.cancel() }
        if url.pathExtension.lowercased() == "ipynb" {
            try runNotebook(url, outDirectory: outDirectory, interpreter: interpreter, cancellation: cancellation)
        } else {
            try runScript(url, outDirectory: outDirectory, interpreter: interpreter, cancellation: cancellation)
        }
    }

    private func runScript(_ url: URL, outDirectory: URL, interpreter: Interpreter, cancellation: CancellationFlag) throws {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ValidationError("cannot read \(url.path) as UTF-8 text: \(error.localizedDescription)")
        }
        let writer = ScriptOutputWriter(
            directory: outDirectory, baseName: url.deletingPathExtension().lastPathComponent,
            writeOut: { FileHandle.standardOutput.write(Data($0.utf8)) },
            writeError: { FileHandle.standardError.write(Data($0.utf8)) })
        let outcome = interpreter.execute(text, sink: writer, cancellation: cancellation)
        writer.finish()
        if case .error(let error) = outcome {
            FileHandle.standardError.write(Data((error.traceback.joined(separator: "\n") + "\n").utf8))
            throw ExitCode(1)
        }
    }

    private func runNotebook(_ url: URL, outDirectory: URL, interpreter: Interpreter, cancellation: CancellationFlag) throws {
        let data = try Data(contentsOf: url)
        let outcome: NotebookRunner.Outcome
        do {
            outcome = try NotebookRunner.run(data, interpreter: interpreter, cancellation: cancellation) { index, total in
                FileHandle.standardError.write(Data("executing cell \(index)/\(total)\n".utf8))
            }
        } catch let error as NotebookRunner.NotebookError {
            throw ValidationError("\(url.path): \(error.description)")
        }
        let destination = out == nil ? url : outDirectory.appendingPathComponent(url.lastPathComponent)
        try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        try outcome.notebook.write(to: destination)
        FileHandle.standardError.write(Data("wrote \(destination.path) (\(outcome.executedCells) cells executed)\n".utf8))
        if let error = outcome.firstError {
            FileHandle.standardError.write(Data((error.traceback.joined(separator: "\n") + "\n").utf8))
            throw ExitCode(1)
        }
    }
}
