import JupyterKernel
import PolyICLLanguage

/// The language's outputs of one cell, published through the kernel's execution context:
/// streams, displays (with ids, updated in place), the result, clear_output, and help
/// pages as the execute_reply's page payload. Lives only for the cell it was made for.
final class KernelOutputSink: OutputSink {
    private let context: ExecutionContext

    init(context: ExecutionContext) {
        self.context = context
    }

    func stream(_ name: OutputStreamName, _ text: String) {
        switch name {
        case .stdout: context.stream(.stdout, text)
        case .stderr: context.stream(.stderr, text)
        }
    }

    func display(_ bundle: PolyICLLanguage.MIMEBundle, displayID: String?) {
        context.display(Self.kernelBundle(bundle), displayID: displayID)
    }

    func updateDisplay(_ displayID: String, _ bundle: PolyICLLanguage.MIMEBundle) {
        context.updateDisplay(Self.kernelBundle(bundle), displayID: displayID)
    }

    /// Published at once, so the result keeps its place among the cell's other outputs
    /// (the kernel also records its text for history).
    func result(_ bundle: PolyICLLanguage.MIMEBundle) {
        context.result(Self.kernelBundle(bundle))
    }

    func clearOutput(wait: Bool) {
        context.clearOutput(wait: wait)
    }

    func page(_ text: String) {
        context.page(JupyterKernel.MIMEBundle(plainText: text))
    }

    /// Every representation of the language's bundle is text (plain, HTML, SVG,
    /// Markdown), so each becomes a JSON string under the same MIME type.
    static func kernelBundle(_ bundle: PolyICLLanguage.MIMEBundle) -> JupyterKernel.MIMEBundle {
        let others = bundle.data
            .filter { $0.key != PolyICLLanguage.MIMEBundle.plain }
            .sorted { $0.key < $1.key }
            .map { (mimeType: $0.key, value: JSONValue.string($0.value)) }
        return JupyterKernel.MIMEBundle(plainText: bundle.plainText, others)
    }
}
