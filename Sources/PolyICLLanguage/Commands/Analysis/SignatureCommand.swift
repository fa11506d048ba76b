import PolyICLCore
import PolyICLRender

/// `signature`: the spectral signature score by layer and shift, and its correlation with loss.
enum SignatureCommand {
    static let declaration = CommandDeclaration(
        name: "signature",
        summary: "Score how close each prompt's top singular directions are to in-distribution ones, and correlate the score with loss.",
        help: """
        Reference directions come from in-distribution prompts (the task itself); every scored \
        prompt's top-k right singular vectors at each layer get a similarity to them in [0, 1]. \
        Shows the score by shift size and layer, and the score against the prompt's loss at the \
        chosen layer with Pearson's r and Spearman's ρ over all prompts of all sizes. Keeps the \
        table of scores by size and layer (25-75% percentiles as lower/upper); the correlations \
        per layer are printed and kept in the table's notes.
        """,
        examples: [
            "sig = signature lin5 on=lin kind=xshift sizes=[0, 0.5, 1, 2]",
            "signature lin5 on=lin kind=wscale sizes=[1, 2, 4] similarity=angles layer=1",
        ],
        positionals: [Parameter("model", .objectName([.model]), required: true, help: "The model whose residual stream is analysed.")],
        keys: SignatureKeys.keys,
        checks: SignatureKeys.checks,
        produces: .result,
        run: run)

    @Sendable static func run(_ invocation: CommandInvocation) throws -> (any SessionObject)? {
        let (signature, model, task, layer) = try SignatureKeys.analyse(invocation, command: "signature")
        let correlations = signature.correlationTable()
        var correlationShown = correlations
        correlationShown.title = "\(model): correlation of the signature score with loss, by layer (0 = embedding)"
        invocation.sink.display(MIMEBundle(plainText: TableExport.plainText(correlationShown, significantDigits: 3),
                                           html: TableExport.html(correlationShown, significantDigits: 3)), displayID: nil)

        var table = signature.scoreTable()
        table.title = "\(model): signature score by \(signature.family.kind.label) and layer, \(task)"
        table.notes["model"] = model
        table.notes["task"] = task
        for l in 0..<signature.layerCount {
            let (pearson, spearman) = signature.correlations(layer: l)
            table.notes["correlation layer \(l)"] = "Pearson \(AnalysisFigures.format(pearson)), Spearman \(AnalysisFigures.format(spearman))"
        }
        let grid = FigureGrid(title: "\(model): spectral signature", panels: [
            .chart(AnalysisFigures.scoreBySize(signature)),
            .chart(AnalysisFigures.scoreAgainstLoss(signature, layer: layer)),
        ], columns: 2, panelWidth: 460, panelHeight: 360)
        return ResultObject(table: table, figure: grid.svg())
    }
}
