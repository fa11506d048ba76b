import PolyICLCore
import PolyICLRender

/// `spectra`: singular values of the residual stream in and out of distribution.
enum SpectraCommand {
    static let declaration = CommandDeclaration(
        name: "spectra",
        summary: "Singular-value spectra of the residual stream, for in-distribution prompts and at every shift size.",
        help: """
        Each prompt's hidden state after a layer is a (2 * points) x width matrix (all x and y \
        positions); its singular values are averaged over prompts. Shows one panel per layer \
        (0 = embedding) and keeps the table of the chosen layer: singular value index, the \
        in-distribution (reference) prompts, then one column per size.
        """,
        examples: [
            "sp = spectra lin5 on=lin kind=xshift sizes=[0, 1, 2]",
            "spectra lin5 on=lin kind=wscale sizes=[1, 3] layer=2 centre=true",
        ],
        positionals: [Parameter("model", .objectName([.model]), required: true, help: "The model whose residual stream is analysed.")],
        keys: SignatureKeys.keys,
        checks: SignatureKeys.checks,
        produces: .result,
        run: run)

    @Sendable static func run(_ invocation: CommandInvocation) throws -> (any SessionObject)? {
        let (signature, model, task, layer) = try SignatureKeys.analyse(invocation, command: "spectra")
        var table: ResultTable
        do { table = try signature.spectraTable(layer: layer) } catch { throw invocation.failure(error, key: "layer") }
        table.title = "\(model): singular values at \(layer == 0 ? "the embedding" : "layer \(layer)"), \(signature.family.kind.label) of \(task)"
        table.notes["model"] = model
        table.notes["task"] = task
        let panels = (0..<signature.layerCount).map { l in
            FigurePanel.chart(AnalysisFigures.spectrum(signature, layer: l, title: l == 0 ? "embedding" : "layer \(l)"))
        }
        let grid = FigureGrid(title: "\(model): mean singular values of the hidden states, in distribution and shifted",
                              panels: panels, columns: panels.count == 4 ? 2 : min(3, panels.count), sharedYRange: true)
        return ResultObject(table: table, figure: grid.svg())
    }
}
