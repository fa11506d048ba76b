import PolyICLCore
import PolyICLRender

/// An evaluation result: error per context length for a model and its baselines, or a table
/// of an analysis (error by shift size, spectra, signature scores) with its own figure.
public struct ResultObject: SessionObject {
    public let table: ResultTable
    /// A figure drawn by the command that made the result (SVG), shown instead of the default
    /// error-per-position chart, for results whose rows are not context positions or that need
    /// several panels (shift, spectra, signature, alignment, jailbreak, perturbation).
    public let figure: String?
    /// The columns shown in the table under the figure (nil: the row column and every mean).
    public let shownColumns: [String]?

    /// Predictor names in column order (`base`, `least squares`, ...).
    public var predictors: [String] {
        series.filter { !$0.contains(Evaluation.differenceSeparator) }
    }

    /// Paired-difference series (`base − ridge 0.2`), from `eval ... paired=[...]`.
    public var differences: [String] {
        series.filter { $0.contains(Evaluation.differenceSeparator) }
    }

    private var series: [String] {
        table.columns.compactMap { $0.name.hasSuffix(" mean") ? String($0.name.dropLast(" mean".count)) : nil }
    }

    public init(table: ResultTable, figure: String? = nil, shownColumns: [String]? = nil) {
        self.table = table
        self.figure = figure
        self.shownColumns = shownColumns
    }

    public var kind: ObjectKind { .result }
    public var summary: String {
        if shownColumns != nil || (figure != nil && predictors.isEmpty) {
            return "\(table.title): \(table.rowCount) rows, \(table.columns.count) columns"
        }
        return "\(table.title): \(predictors.joined(separator: ", ")), \(table.rowCount) \(table.columns.first?.name == "position" ? "positions" : "rows")"
    }

    /// The plot above the table (HTML), with the table as text beside it.
    public func representation() -> MIMEBundle {
        let svg = figure ?? ResultFigures.errorFigure(self, logScale: true, intervals: true, title: nil)
        let html = "<div>" + svg + TableExport.html(meansOnly, significantDigits: 4) + "</div>"
        return MIMEBundle(plainText: TableExport.plainText(meansOnly, significantDigits: 4), html: html)
    }

    /// The columns a person reads (exports keep everything): `shownColumns` when the command
    /// chose them, else the first (row) column, the mean columns, and the intervals of paired
    /// differences (whether they hold 0 is the point of pairing); a table without mean
    /// columns is shown whole.
    public var meansOnly: ResultTable {
        if let shownColumns {
            return ResultTable(title: table.title, columns: table.columns.filter { shownColumns.contains($0.name) }, notes: table.notes)
        }
        guard table.columns.contains(where: { $0.name.hasSuffix(" mean") }) else { return table }
        let rowColumn = table.columns.first?.name
        let differenceIntervals = Set(differences.flatMap { [$0 + " lower", $0 + " upper"] })
        return ResultTable(title: table.title, columns: table.columns.filter {
            $0.name == rowColumn || $0.name.hasSuffix(" mean") || differenceIntervals.contains($0.name)
        }, notes: table.notes)
    }
}
