import Foundation

/// Shows a script's outputs on a terminal: text to stdout/stderr, SVG and HTML written to
/// files (named after the script and numbered) whose paths are printed, live displays
/// printed once in their final state.
public final class ScriptOutputWriter: OutputSink {
    private let directory: URL
    private let baseName: String
    private let writeOut: (String) -> Void
    private let writeError: (String) -> Void
    /// False: figures are not written (the ranks of an MPI job other than 0).
    private let writesFiles: Bool
    private var fileCount = 0
    /// Displays with an id, printed in their last state when the next output arrives.
    private var pendingDisplays: [(id: String, bundle: MIMEBundle)] = []
    public private(set) var writtenFiles: [URL] = []

    public init(directory: URL, baseName: String, writesFiles: Bool = true,
                writeOut: @escaping (String) -> Void, writeError: @escaping (String) -> Void) {
        self.writesFiles = writesFiles
        self.directory = directory
        self.baseName = baseName
        self.writeOut = writeOut
        self.writeError = writeError
    }

    /// Prints what live displays ended as; call after the script ends.
    public func finish() {
        let pending = pendingDisplays
        pendingDisplays.removeAll()
        // A live display's HTML is a progress bar: its text says it all; only plots are kept.
        for display in pending { show(display.bundle, keepingHTML: false) }
    }

    private func show(_ bundle: MIMEBundle, keepingHTML: Bool = true) {
        var files: [String] = []
        for (mime, ext) in [(MIMEBundle.svg, "svg"), (MIMEBundle.html, "html")] where writesFiles && (mime != MIMEBundle.html || keepingHTML) {
            guard let content = bundle[mime] else { continue }
            fileCount += 1
            let url = directory.appendingPathComponent("\(baseName)-\(fileCount).\(ext)")
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                try Data(content.utf8).write(to: url)
                writtenFiles.append(url)
                files.append(url.path)
            } catch {
                writeError("could not write \(url.path): \(error.localizedDescription)\n")
            }
        }
        var text = bundle.plainText
        if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
        writeOut(text + files.map { "[wrote \($0)]\n" }.joined())
    }

    public func stream(_ name: OutputStreamName, _ text: String) {
        finish()
        if name == .stdout { writeOut(text) } else { writeError(text) }
    }

    public func display(_ bundle: MIMEBundle, displayID: String?) {
        finish()
        if let displayID { pendingDisplays.append((displayID, bundle)) } else { show(bundle) }
    }

    public func updateDisplay(_ displayID: String, _ bundle: MIMEBundle) {
        if let i = pendingDisplays.firstIndex(where: { $0.id == displayID }) { pendingDisplays[i].bundle = bundle }
    }

    public func result(_ bundle: MIMEBundle) {
        finish()
        show(bundle)
    }

    public func clearOutput(wait: Bool) {}

    public func page(_ text: String) {
        finish()
        writeOut(text.hasSuffix("\n") ? text : text + "\n")
    }
}
