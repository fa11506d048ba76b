import PolyICLCore

/// A table of display strings with a title and notes, rendered as HTML or aligned
/// plain text. Built from a `ResultTable` (numbers formatted for reading) or directly
/// from strings. Numeric columns are right-aligned.
public struct TextTable: Sendable, Equatable {
    public var title: String
    public var headers: [String]
    public var rows: [[String]]
    /// Lines shown under the table.
    public var notes: [String]
    /// Per column: right-align (numbers). Missing entries count as false.
    public var numericColumns: [Bool]

    /// A table of strings; a column is numeric when all its non-empty cells read as numbers.
    public init(title: String = "", headers: [String], rows: [[String]], notes: [String] = []) {
        self.title = title
        self.headers = headers
        self.rows = rows
        self.notes = notes
        let columnCount = max(headers.count, rows.map(\.count).max() ?? 0)
        numericColumns = (0..<columnCount).map { column in
            var sawNumber = false
            for row in rows where column < row.count {
                let cell = row[column].trimmingSpaces()
                if cell.isEmpty { continue }
                if Self.looksNumeric(cell) {
                    sawNumber = true
                } else {
                    return false
                }
            }
            return sawNumber
        }
    }

    /// A result table for reading: integer-valued columns as integers, others with
    /// `significantDigits` significant digits; notes as "key: value" sorted by key
    /// (ResultTable keeps them in a dictionary, which has no order).
    public init(_ table: ResultTable, significantDigits: Int = 4) {
        let rowCount = table.columns.map(\.values.count).max() ?? 0
        let formatters: [(Double) -> String] = table.columns.map { column in
            let finite = column.values.filter(\.isFinite)
            let integral = finite.allSatisfy { $0 == $0.rounded() && $0.magnitude < 1e15 }
            return { value in
                integral ? NumberFormat.integerOrGeneral(value, significantDigits: significantDigits)
                    : NumberFormat.general(value, significantDigits: significantDigits)
            }
        }
        let rows = (0..<rowCount).map { row in
            table.columns.indices.map { column -> String in
                let values = table.columns[column].values
                return row < values.count ? formatters[column](values[row]) : ""
            }
        }
        self.init(title: table.title, headers: table.columns.map(\.name), rows: rows,
                  notes: table.notes.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" })
        numericColumns = Array(repeating: true, count: table.columns.count)
    }

    static func looksNumeric(_ text: String) -> Bool {
        let normalized = text.replacingMinus()
        if Double(normalized) != nil { return true }
        return ["nan", "inf", "-inf", "+inf"].contains(normalized.lowercased())
    }

    private var columnCount: Int { max(headers.count, rows.map(\.count).max() ?? 0) }

    private func isNumeric(_ column: Int) -> Bool {
        column < numericColumns.count && numericColumns[column]
    }

    private func cell(_ row: [String], _ column: Int) -> String {
        column < row.count ? row[column] : ""
    }

    /// The CSS class that scopes the table's styles, so they do not leak into the notebook.
    public static let cssClass = "polyicl-table"

    /// An HTML fragment: a styled table with caption, header row, zebra rows and notes.
    /// The styles use translucent greys so the table reads on light and dark themes.
    public func html() -> String {
        let scope = "." + Self.cssClass
        var html = "<div class=\"\(Self.cssClass)\">\n<style>\n"
        html += "\(scope) table { border-collapse: collapse; font-size: 13px; margin: 4px 0; font-variant-numeric: tabular-nums; }\n"
        html += "\(scope) caption { caption-side: top; text-align: left; font-weight: 600; padding: 2px 0 6px 0; }\n"
        html += "\(scope) th { padding: 4px 12px; border-bottom: 1.5px solid rgba(127, 127, 127, 0.75); font-weight: 600; white-space: nowrap; }\n"
        html += "\(scope) td { padding: 3px 12px; white-space: nowrap; }\n"
        html += "\(scope) .num { text-align: right; }\n"
        html += "\(scope) .text { text-align: left; }\n"
        html += "\(scope) tbody tr:nth-child(even) { background: rgba(127, 127, 127, 0.09); }\n"
        html += "\(scope) tbody tr:hover { background: rgba(66, 133, 244, 0.12); }\n"
        html += "\(scope) tbody tr:last-child td { border-bottom: 1px solid rgba(127, 127, 127, 0.5); }\n"
        html += "\(scope) .notes { font-size: 12px; opacity: 0.75; margin: 2px 0 4px 0; }\n"
        html += "</style>\n<table>\n"
        if !title.isEmpty { html += "<caption>\(XMLEscaping.escape(title))</caption>\n" }
        if !headers.isEmpty {
            html += "<thead><tr>"
            for column in 0..<columnCount {
                let name = column < headers.count ? headers[column] : ""
                html += "<th class=\"\(isNumeric(column) ? "num" : "text")\">\(XMLEscaping.escape(name))</th>"
            }
            html += "</tr></thead>\n"
        }
        html += "<tbody>\n"
        for row in rows {
            html += "<tr>"
            for column in 0..<columnCount {
                html += "<td class=\"\(isNumeric(column) ? "num" : "text")\">\(XMLEscaping.escape(cell(row, column)))</td>"
            }
            html += "</tr>\n"
        }
        html += "</tbody>\n</table>\n"
        if !notes.isEmpty {
            html += "<div class=\"notes\">" + notes.map { XMLEscaping.escape($0) }.joined(separator: "<br/>") + "</div>\n"
        }
        html += "</div>\n"
        return html
    }

    /// Aligned columns for text/plain: title, header, a rule, rows, then notes.
    public func plainText() -> String {
        let count = columnCount
        var widths = Array(repeating: 0, count: count)
        for column in 0..<count {
            if column < headers.count { widths[column] = headers[column].count }
            for row in rows { widths[column] = max(widths[column], cell(row, column).count) }
        }
        func pad(_ text: String, _ column: Int) -> String {
            let padding = String(repeating: " ", count: max(0, widths[column] - text.count))
            return isNumeric(column) ? padding + text : text + padding
        }
        func line(_ cells: [String]) -> String {
            var text = (0..<count).map { pad($0 < cells.count ? cells[$0] : "", $0) }.joined(separator: "  ")
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }
        var lines: [String] = []
        if !title.isEmpty { lines.append(title) }
        if !headers.isEmpty {
            lines.append(line(headers))
            lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        }
        for row in rows { lines.append(line(row)) }
        if !notes.isEmpty {
            lines.append("")
            lines += notes
        }
        return lines.joined(separator: "\n")
    }

    /// RFC 4180 CSV of the displayed strings (header row first, CRLF line ends).
    public func csv() -> String {
        var text = ""
        if !headers.isEmpty { text += CSVFormat.row(headers) }
        for row in rows { text += CSVFormat.row((0..<columnCount).map { cell(row, $0) }) }
        return text
    }
}

extension String {
    func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }

    /// U+2212 minus as ASCII "-", so numbers printed for reading parse again.
    func replacingMinus() -> String {
        String(self.map { $0 == "−" ? "-" : $0 })
    }
}
