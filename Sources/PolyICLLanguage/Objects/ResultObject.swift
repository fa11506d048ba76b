import PolyICLCore
import PolyICLRender

/// An evaluation result: error per context length for a model and its baselines.
public struct ResultObject: SessionObject {
    public let table: ResultTable
    /// Predictor names in column order (`base`, `least squares`, ...).
    public var predictors: [String] {
        table.columns.compactMap { $0.name.hasSuffix(" mean") ? String($0.name.dropLast(" mean".count)) : nil }
    }

    public init(table: ResultTable) { self.table = table }

    public var kind: ObjectKind { .result }
    public var summary: String { "\(table.title): \(predictors.joined(separator: ", ")), \(table.rowCount) positions" }

    /// The plot above the table (HTML), with the table as text beside it.
    public func representation() -> MIMEBundle {
        let svg = ResultFigures.errorChart(self, logScale: true, intervals: true, title: nil).svg()
        let html = "<div>" + svg + TableExport.html(meansOnly, significantDigits: 4) + "</div>"
        return MIMEBundle(plainText: TableExport.plainText(meansOnly, significantDigits: 4), html: html)
    }

    /// The position and mean columns, for a table a person reads (exports keep everything).
    public var meansOnly: ResultTable {
        ResultTable(title: table.title, columns: table.columns.filter { $0.name == "position" || $0.name.hasSuffix(" mean") }, notes: table.notes)
    }
}
