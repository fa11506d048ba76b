import PolyICLCore

/// RFC 4180 fields and rows.
enum CSVFormat {
    /// A field, quoted when it holds a comma, quote, CR or LF (quotes doubled), or
    /// leading/trailing spaces that a reader might trim.
    static func field(_ text: String) -> String {
        let needsQuotes = text.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
            || text.hasPrefix(" ") || text.hasSuffix(" ")
        guard needsQuotes else { return text }
        var quoted = "\""
        for character in text {
            if character == "\"" { quoted += "\"\"" } else { quoted.append(character) }
        }
        return quoted + "\""
    }

    static func row(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }
}

/// How `TableExport.json` lays out a table, named as pandas' `orient`.
public enum JSONOrient: String, Sendable, CaseIterable {
    /// [{"column": value, ...}, ...], one object per row.
    case records
    /// {"column": {"0": value, "1": value, ...}, ...}.
    case columns
}

/// Full-precision exports of a `ResultTable` for pandas users. Numbers are written in
/// the shortest form that reads back as the same Double.
public enum TableExport {
    /// CSV with a header row of column names. NaN is written "NaN" and infinities
    /// "inf"/"-inf" (pandas.read_csv and Python's float() read them back); cells past the
    /// end of a shorter column are empty.
    public static func csv(_ table: ResultTable) -> String {
        var text = CSVFormat.row(table.columns.map(\.name))
        let rowCount = table.columns.map(\.values.count).max() ?? 0
        for row in 0..<rowCount {
            text += CSVFormat.row(table.columns.map { column in
                row < column.values.count ? NumberFormat.roundTrip(column.values[row]) : ""
            })
        }
        return text
    }

    /// JSON as `pandas.read_json(text, orient=...)` reads it. JSON has no NaN or
    /// infinity: those values (and cells past the end of a shorter column) are null,
    /// which pandas reads as NaN.
    public static func json(_ table: ResultTable, orient: JSONOrient = .records) -> String {
        let rowCount = table.columns.map(\.values.count).max() ?? 0
        func value(_ column: ResultTable.Column, _ row: Int) -> String {
            guard row < column.values.count, column.values[row].isFinite else { return "null" }
            return NumberFormat.roundTrip(column.values[row])
        }
        switch orient {
        case .records:
            var text = "["
            for row in 0..<rowCount {
                if row > 0 { text += "," }
                text += "{" + table.columns.map { JSONText.quoted($0.name) + ":" + value($0, row) }.joined(separator: ",") + "}"
            }
            return text + "]"
        case .columns:
            let body = table.columns.map { column in
                JSONText.quoted(column.name) + ":{" + (0..<rowCount).map { "\"\($0)\":" + value(column, $0) }.joined(separator: ",") + "}"
            }
            return "{" + body.joined(separator: ",") + "}"
        }
    }

    /// Convenience: the readable HTML table of a result.
    public static func html(_ table: ResultTable, significantDigits: Int = 4) -> String {
        TextTable(table, significantDigits: significantDigits).html()
    }

    /// Convenience: the aligned text/plain table of a result.
    public static func plainText(_ table: ResultTable, significantDigits: Int = 4) -> String {
        TextTable(table, significantDigits: significantDigits).plainText()
    }
}
