import JupyterKernel
import PolyICLLanguage

/// Serves the command language (`PolyICLLanguage.Interpreter`) to the Jupyter kernel.
/// The kernel target knows nothing of the language and the language nothing of Jupyter;
/// this adapter is the only place both meet.
final class LanguageKernelInterpreter: KernelInterpreter {
    private let interpreter: PolyICLLanguage.Interpreter

    let kernelInfo = KernelInfo(
        implementation: "polyicl",
        implementationVersion: PolyICLLanguage.LanguageInfo.version,
        language: JupyterKernel.LanguageInfo(
            name: PolyICLLanguage.LanguageInfo.name,
            version: PolyICLLanguage.LanguageInfo.version,
            mimetype: PolyICLLanguage.LanguageInfo.mimeType,
            fileExtension: PolyICLLanguage.LanguageInfo.fileExtension,
            pygmentsLexer: PolyICLLanguage.LanguageInfo.pygmentsLexer,
            codemirrorMode: PolyICLLanguage.LanguageInfo.codeMirrorMode,
            nbconvertExporter: "script"),
        banner: "PolyICL \(PolyICLLanguage.LanguageInfo.version): in-context learning of polynomials with small transformers. Type `help` for the commands.")

    init(interpreter: PolyICLLanguage.Interpreter = PolyICLLanguage.Interpreter()) {
        self.interpreter = interpreter
    }

    func execute(_ code: String, context: ExecutionContext) -> JupyterKernel.ExecutionOutcome {
        // A new flag per cell rather than one reset before each: an interrupt that
        // arrives just as a cell ends sets only that cell's flag, never the next cell's.
        let cancellation = PolyICLLanguage.CancellationFlag()
        context.onCancel { cancellation.cancel() }
        let sink = KernelOutputSink(context: context)
        switch interpreter.execute(code, sink: sink, cancellation: cancellation) {
        case .ok:
            // The sink already published the result, in order with the other outputs.
            return .success(result: nil)
        case .error(let error):
            return .failure(Self.kernelError(error))
        }
    }

    /// ename, evalue and the traceback lines as the language wrote them: the located
    /// line, the caret under the spot, then the hint. Jupyter frontends join the lines
    /// with newlines in a monospaced block, so the caret stays under the spot.
    static func kernelError(_ error: PolyICLLanguage.ExecutionError) -> JupyterKernel.ExecutionError {
        JupyterKernel.ExecutionError(name: error.name, value: error.message,
                                     traceback: error.traceback.isEmpty ? nil : error.traceback)
    }

    func complete(_ code: String, cursorPosition: Int) -> JupyterKernel.CompletionResult {
        let result = interpreter.complete(code, cursor: cursorPosition)
        return JupyterKernel.CompletionResult(matches: result.matches, cursorStart: result.start, cursorEnd: result.end)
    }

    /// The language has one level of detail; detail_level 1 shows the same help.
    func inspect(_ code: String, cursorPosition: Int, detailLevel: Int) -> JupyterKernel.MIMEBundle? {
        interpreter.inspect(code, cursor: cursorPosition).map(KernelOutputSink.kernelBundle)
    }

    func isComplete(_ code: String) -> CompletenessStatus {
        switch interpreter.isComplete(code) {
        case .complete: return .complete
        case .incomplete(let indent): return .incomplete(indent: indent)
        case .invalid: return .invalid
        }
    }
}
