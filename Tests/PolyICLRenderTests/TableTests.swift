import Foundation
import PolyICLCore
import Testing
@testable import PolyICLRender

@Suite("Tables")
struct TableTests {
    /// Awkward names and values: a comma, quotes, a newline, unicode, NaN, infinities,
    /// values that need all 17 digits, and a shorter column.
    static let table = ResultTable(
        title: "Error <by> context & model",
        columns: [
            .init(name: "context", values: [1, 2, 3, 4]),
            .init(name: "model, mse", values: [0.1, 1.0 / 3.0, 1e-300, .nan]),
            .init(name: "say \"ridge\"\nλ=0.2", values: [2.5e20, -.infinity, .infinity, -0.0]),
            .init(name: "short", values: [7, 8]),
        ],
        notes: ["task": "chebyshev degree=5", "samples": "1280"])

    @Test("CSV read back by Python's csv module equals the names and values")
    func csvThroughPython() throws {
        let csv = TableExport.csv(Self.table)
        let script = """
        import csv, io, json, sys
        rows = list(csv.reader(io.StringIO(sys.stdin.read(), newline='')))
        print(json.dumps({"header": rows[0], "rows": [[repr(float(c)) if c != '' else '' for c in r] for r in rows[1:]]}))
        """
        let output = try PythonReference.run(script, input: csv)
        let decoded = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
        let header = try #require(decoded?["header"] as? [String])
        let rows = try #require(decoded?["rows"] as? [[String]])
        #expect(header == Self.table.columns.map(\.name))
        #expect(rows.count == 4)
        for (columnIndex, column) in Self.table.columns.enumerated() {
            for rowIndex in 0..<4 {
                let cell = rows[rowIndex][columnIndex]
                guard rowIndex < column.values.count else {
                    #expect(cell == "")
                    continue
                }
                let expected = column.values[rowIndex]
                let parsed = try #require(Double(cell), "cell \(cell)")
                if expected.isNaN {
                    #expect(parsed.isNaN)
                } else {
                    #expect(parsed == expected, "\(column.name)[\(rowIndex)]")
                    #expect(parsed.sign == expected.sign)
                }
            }
        }
    }

    @Test("CSV quoting follows RFC 4180")
    func csvQuoting() {
        #expect(CSVFormat.field("plain") == "plain")
        #expect(CSVFormat.field("a,b") == "\"a,b\"")
        #expect(CSVFormat.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSVFormat.field("two\nlines") == "\"two\nlines\"")
        #expect(CSVFormat.field("crlf\r\nhere") == "\"crlf\r\nhere\"")
        #expect(CSVFormat.row(["a", "b,c"]) == "a,\"b,c\"\r\n")
    }

    @Test("JSON records decode to the values (null for NaN, infinities and missing cells)")
    func jsonRecords() throws {
        let json = TableExport.json(Self.table, orient: .records)
        let records = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        #expect(records.count == 4)
        for (rowIndex, record) in records.enumerated() {
            #expect(Set(record.keys) == Set(Self.table.columns.map(\.name)))
            for column in Self.table.columns {
                let value = record[column.name]
                if rowIndex < column.values.count, column.values[rowIndex].isFinite {
                    #expect((value as? NSNumber)?.doubleValue == column.values[rowIndex], "\(column.name)[\(rowIndex)]")
                } else {
                    #expect(value is NSNull, "\(column.name)[\(rowIndex)] should be null")
                }
            }
        }
    }

    @Test("JSON columns orient decodes to column → row index → value")
    func jsonColumns() throws {
        let json = TableExport.json(Self.table, orient: .columns)
        let columns = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: [String: Any]])
        #expect(Set(columns.keys) == Set(Self.table.columns.map(\.name)))
        #expect((columns["context"]?["3"] as? NSNumber)?.doubleValue == 4)
        #expect((columns["model, mse"]?["1"] as? NSNumber)?.doubleValue == 1.0 / 3.0)
        #expect(columns["short"]?["2"] is NSNull)
    }

    @Test("JSON also parses with Python's json module, with the same numbers")
    func jsonThroughPython() throws {
        let json = TableExport.json(Self.table, orient: .records)
        let script = """
        import json, sys
        records = json.loads(sys.stdin.read())
        print(repr(records[1]["model, mse"]), repr(records[0]["say \\"ridge\\"\\nλ=0.2"]), records[3]["model, mse"])
        """
        let output = try PythonReference.run(script, input: json).split(separator: " ").map(String.init)
        #expect(output.count == 3)
        #expect(Double(output[0]) == 1.0 / 3.0)
        #expect(Double(output[1]) == 2.5e20)
        #expect(output[2].hasPrefix("None"))
    }

    @Test("HTML is well-formed, escaped, scoped, with right-aligned numbers, caption and notes")
    func html() throws {
        let html = TableExport.html(Self.table)
        let parsed = XMLTreeBuilder.parse(html)
        let root = try #require(parsed.root, "HTML is not well-formed: \(parsed.error ?? "")")
        #expect(root.attributes["class"] == TextTable.cssClass)
        #expect(root.all("caption").first?.text == "Error <by> context & model")
        #expect(root.all("th").map(\.text) == Self.table.columns.map(\.name))
        let rows = root.all("tr").dropFirst()
        #expect(rows.count == 4)
        #expect(root.all("td").allSatisfy { $0.attributes["class"] == "num" })
        // Readable numbers: 4 significant digits, integers as integers.
        let firstRow = rows.first.map { $0.all("td").map(\.text) } ?? []
        #expect(firstRow == ["1", "0.1", "2.5e+20", "7"])
        let secondRow = rows.dropFirst().first.map { $0.all("td").map(\.text) } ?? []
        #expect(secondRow == ["2", "0.3333", "-inf", "8"])
        let notes = try #require(root.all("div").first { $0.attributes["class"] == "notes" })
        #expect(notes.text.contains("samples: 1280"))
        #expect(notes.text.contains("task: chebyshev degree=5"))
        // Every CSS rule is scoped under the table's class.
        let css = try #require(root.all("style").first?.text)
        for rule in css.split(separator: "\n") where !rule.isEmpty {
            #expect(rule.hasPrefix("." + TextTable.cssClass + " "), "unscoped rule: \(rule)")
        }
    }

    @Test("plain text aligns numeric columns to the right")
    func plainText() {
        let table = ResultTable(title: "t", columns: [
            .init(name: "n", values: [1, 100]),
            .init(name: "error", values: [0.5, 0.125]),
        ], notes: ["seed": "1"])
        let expected = """
        t
          n  error
        ---  -----
          1    0.5
        100  0.125

        seed: 1
        """
        #expect(TableExport.plainText(table) == expected)
    }

    @Test("string tables detect numeric columns and escape their cells")
    func stringTable() throws {
        let table = TextTable(title: "", headers: ["name", "value"], rows: [["<b>", "1.5"], ["x", "−2"], ["y", ""]])
        #expect(table.numericColumns == [false, true])
        let root = try #require(XMLTreeBuilder.parse(table.html()).root)
        #expect(root.all("td").map(\.text) == ["<b>", "1.5", "x", "−2", "y", ""])
        #expect(table.plainText() == "name  value\n----  -----\n<b>     1.5\nx        −2\ny")
        #expect(table.csv() == "name,value\r\n<b>,1.5\r\nx,−2\r\ny,\r\n")
    }

    @Test("a result table becomes a line chart with bands from its interval columns")
    func chartFromTable() throws {
        let table = ResultTable(title: "ev", columns: [
            .init(name: "context", values: [1, 2, 3]),
            .init(name: "model", values: [0.5, 0.25, 0.125]),
            .init(name: "model_lower", values: [0.4, 0.2, 0.1]),
            .init(name: "model_upper", values: [0.6, 0.3, 0.15]),
            .init(name: "lstsq", values: [1, 0.5, 0.01]),
        ])
        let chart = try Chart.lines(from: table, x: "context", yScale: .log)
        #expect(chart.lines.map(\.name) == ["model", "lstsq"])
        #expect(chart.lines[0].band == IntervalBand(lower: [0.4, 0.2, 0.1], upper: [0.6, 0.3, 0.15]))
        #expect(chart.lines[1].band == nil)
        #expect(chart.xLabel == "context" && chart.title == "ev")
        #expect(throws: RenderError.unknownColumn("ctx", available: ["context", "model", "model_lower", "model_upper", "lstsq"])) {
            try Chart.lines(from: table, x: "ctx")
        }
        let message = RenderError.unknownColumn("ctx", available: ["context"]).description
        #expect(message == "table has no column \"ctx\"; its columns are: \"context\"")
    }
}
