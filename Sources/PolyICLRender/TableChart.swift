import PolyICLCore

/// A mistake in what a caller asked to draw, with what would be right.
public enum RenderError: Error, Equatable, CustomStringConvertible {
    case unknownColumn(String, available: [String])

    public var description: String {
        switch self {
        case .unknownColumn(let name, let available):
            return "table has no column \"\(name)\"; its columns are: " + available.map { "\"\($0)\"" }.joined(separator: ", ")
        }
    }
}

extension Chart {
    /// A line chart of a result table: one line per y column against the x column, with
    /// markers when there are few points. A y column "c" gets a shaded band when the
    /// table also has "c" + lowerSuffix and "c" + upperSuffix (for example bootstrap
    /// intervals "model_lower", "model_upper"); band columns are not drawn as lines.
    ///
    /// - Parameter ys: the columns to draw; nil draws every column except x and the bands.
    /// - Throws: `RenderError.unknownColumn` naming the available columns.
    public static func lines(
        from table: ResultTable, x: String, ys: [String]? = nil,
        lowerSuffix: String = "_lower", upperSuffix: String = "_upper",
        xLabel: String? = nil, yLabel: String = "", xScale: AxisScale = .linear, yScale: AxisScale = .linear
    ) throws -> Chart {
        let names = table.columns.map(\.name)
        guard let xValues = table[column: x] else { throw RenderError.unknownColumn(x, available: names) }
        let bandColumns = Set(names.filter { name in
            (name.hasSuffix(lowerSuffix) && names.contains(String(name.dropLast(lowerSuffix.count))))
                || (name.hasSuffix(upperSuffix) && names.contains(String(name.dropLast(upperSuffix.count))))
        })
        let selected = ys ?? names.filter { $0 != x && !bandColumns.contains($0) }
        var lines: [LineSeries] = []
        for name in selected {
            guard let values = table[column: name] else { throw RenderError.unknownColumn(name, available: names) }
            var band: IntervalBand?
            if let lower = table[column: name + lowerSuffix], let upper = table[column: name + upperSuffix] {
                band = IntervalBand(lower: lower, upper: upper)
            }
            lines.append(LineSeries(name: name, xs: xValues, ys: values, marker: xValues.count <= 40 ? .circle : .none,
                                    markerSize: 5, band: band))
        }
        return Chart(title: table.title, xLabel: xLabel ?? x, yLabel: yLabel, xScale: xScale, yScale: yScale, lines: lines)
    }
}
