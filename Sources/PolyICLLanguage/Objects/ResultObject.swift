import PolyICLCore
import PolyICLRender

/// An evaluation result: error per context length for a model and its baselines, or a table
/// of an analysis (error by shift size, spectra, signature scores) with its own figure.
public struct ResultObject: SessionObject {
    public let table: ResultTable
    /// An SVG drawn instead of the error-by-context-length chart, for results whose rows are
    /// not context positions (made by the command that computed the table).
    public let figure: String?
    /// Predictor names in column order (`base`, `least squares`, ...).
    public var predictors: [String] {
        table.columns.compactMap { $0.name.hasSuffix(" mean") ? String($0.name.dropLast(" mean".count)) : nil }
    }

    public init(table: ResultTable, figure: String? = nil) {
        self.table = table
        self.figure = figure
    }

    public var kind: ObjectKind { .result }
    public var summary: String { "\(table.title): \(predictors.joined(separator: ", ")), \(table.rowCount) \(table.columns.first?.name == "position" ? "positions" : "rows")" }

    /// The plot above the table (HTML), with the table as text beside it.
    public func representation() -> MIMEBundle {
        let svg = figure ?? ResultFigures.errorChart(self, logScale: true, intervals: true, title: nil).svg()
        let html = "<div>" + svg + TableExport.html(meansOnly, significantDigits: 4) + "</div>"
        return MIMEBundle(plainText: TableExport.plainText(meansOnly, significantDigits: 4), html: html)
    }

    /// The first (row) column and the mean columns, for a table a person reads (exports keep
    /// everything); a table without mean columns is shown whole.
    public var meansOnly: ResultTable {
        guard table.columns.contains(where: { $0.name.hasSuffix(" mean") }) else { return table }
        let rowColumn = table.columns.first?.name
        return ResultTable(title: table.title, columns: table.columns.filter { $0.name == rowColumn || $0.name.hasSuffix(" mean") }, notes: table.notes)
    }
}
