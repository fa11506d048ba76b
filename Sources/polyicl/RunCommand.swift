import ArgumentParser
import Foundation
import PolyICLLanguage

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a script of commands or execute a notebook.",
        discussion: """
        FILE.icl: the whole script is checked first, then run; text outputs are printed, SVG and \
        HTML outputs written next to the script (or to --out DIRECTORY).

        FILE.ipynb: each code cell is executed in order, relative paths in cells resolved against \
        the notebook's directory. Where the executed notebook goes: by default OVER FILE.ipynb \
        itself, as `jupyter execute` does (its old outputs are replaced); with --output PATH to \
        PATH, the source left untouched; with --out DIRECTORY to DIRECTORY/FILE.ipynb.

        The exit status is 1 at the first failing command, with its error printed.
        """
    )

    @Argument(help: "A script (.icl) or a notebook (.ipynb).")
    var file: String

    @Option(name: .long, help: ArgumentHelp("Directory for SVG/HTML outputs of a script, or for the executed notebook (same file name).", valueName: "directory"))
    var out: String?

    @Option(name: .long, help: ArgumentHelp("For a notebook: write the executed notebook to this file instead of over the source, which is left untouched.", valueName: "path"))
    var output: String?

    func run() throws {
        let url = URL(fileURLWithPath: file)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ValidationError("\(file) does not exist.")
        }
        let isNotebook = url.pathExtension.lowercased() == "ipynb"
        if output != nil, !isNotebook {
            throw ValidationError("--output names the executed notebook's file; \(file) is a script, whose outputs go to --out DIRECTORY.")
        }
        if output != nil, out != nil {
            throw ValidationError("give --output PATH (the executed notebook's file) or --out DIRECTORY, not both.")
        }
        let directory = url.deletingLastPathComponent()
        let group = try MPIGroup.joinIfLaunched()
        defer { group?.finish() }
        if let group, group.size > 1, isNotebook {
            throw ValidationError("a notebook runs in one process; under MPI run a script (.icl), whose train commands then share their batches across the \(group.size) ranks")
        }
        let outDirectory = out.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? directory
        let interpreter = Interpreter(workingDirectory: directory.path)
        interpreter.session.dataParallel = group.flatMap { $0.size > 1 ? $0 : nil }
        if let group, group.size > 1, ProcessInfo.processInfo.environment["POLYICL_THREADS"] == nil {
            // Models made by the script take the default thread count: the node's cores shared by its ranks.
            setenv("POLYICL_THREADS", "\(MPIGroup.defaultThreads())", 1)
        }
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
        if isNotebook {
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
        // The ranks of an MPI job run the same script; rank 0 alone shows and writes.
        let primary = interpreter.session.writesFiles
        let writer = ScriptOutputWriter(
            directory: outDirectory, baseName: url.deletingPathExtension().lastPathComponent, writesFiles: primary,
            writeOut: { if primary { FileHandle.standardOutput.write(Data($0.utf8)) } },
            writeError: { if primary { FileHandle.standardError.write(Data($0.utf8)) } })
        let outcome = interpreter.execute(text, sink: writer, cancellation: cancellation)
        writer.finish()
        if case .error(let error) = outcome {
            let message = error.traceback.joined(separator: "\n") + "\n"
            if let group = interpreter.session.dataParallel {
                // Every rank must end: the others would wait in the next sum forever.
                FileHandle.standardError.write(Data("rank \(group.rank) of \(group.size):\n\(message)".utf8))
                (group as? MPIGroup)?.abort(status: 1)
            }
            FileHandle.standardError.write(Data(message.utf8))
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
        let destination: URL
        if let output {
            destination = URL(fileURLWithPath: output)
        } else if out != nil {
            destination = outDirectory.appendingPathComponent(url.lastPathComponent)
        } else {
            destination = url
        }
        try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        try outcome.notebook.write(to: destination)
        FileHandle.standardError.write(Data("wrote \(destination.path) (\(outcome.executedCells) cells executed)\n".utf8))
        if let error = outcome.firstError {
            FileHandle.standardError.write(Data((error.traceback.joined(separator: "\n") + "\n").utf8))
            throw ExitCode(1)
        }
    }
}
