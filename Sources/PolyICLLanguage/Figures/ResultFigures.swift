import PolyICLCore
import PolyICLRender

/// Error against context length, one line per predictor with its bootstrap band; with
/// paired differences, a second panel of those.
enum ResultFigures {
    /// The result's figure as SVG: the error chart alone, or beside the paired differences.
    static func errorFigure(_ result: ResultObject, logScale: Bool, intervals: Bool, title: String?) -> String {
        let errors = errorChart(result, logScale: logScale, intervals: intervals, title: title)
        guard !result.differences.isEmpty else { return errors.svg() }
        let grid = FigureGrid(panels: [.chart(errors), .chart(differenceChart(result, intervals: intervals))],
                              columns: 2, panelWidth: 520, panelHeight: 400)
        return grid.svg()
    }

    /// Paired differences of squared error against context length, on a linear scale with
    /// the zero line: where a band lies wholly below it, the model is better on these prompts.
    static func differenceChart(_ result: ResultObject, intervals: Bool) -> Chart {
        let table = result.table
        let positions = table[column: "position"] ?? (0..<table.rowCount).map(Double.init)
        let lines: [LineSeries] = result.differences.enumerated().map { index, name in
            var band: IntervalBand?
            if intervals, let lower = table[column: name + " lower"], let upper = table[column: name + " upper"] {
                band = IntervalBand(lower: lower, upper: upper)
            }
            return LineSeries(name: name, xs: positions, ys: table[column: name + " mean"] ?? [], color: Color.cycle(index + result.predictors.count),
                              dash: .solid, lineWidth: 2, marker: positions.count <= 40 ? .circle : .none, markerSize: 4, band: band)
        }
        return Chart(title: "paired difference (below 0: model better)", xLabel: "in-context examples",
                     yLabel: "difference of squared error", yScale: .linear, lines: lines,
                     referenceLines: [ReferenceLine(.horizontal(y: 0))])
    }

    static func errorChart(_ result: ResultObject, logScale: Bool, intervals: Bool, title: String?) -> Chart {
        let table = result.table
        let positions = table[column: "position"] ?? (0..<table.rowCount).map(Double.init)
        let lines: [LineSeries] = result.predictors.enumerated().map { index, name in
            let means = table[column: name + " mean"] ?? []
            var band: IntervalBand?
            if intervals, let lower = table[column: name + " lower"], let upper = table[column: name + " upper"] {
                band = IntervalBand(lower: lower, upper: upper)
            }
            // The model is the first predictor: drawn solid and a little heavier than the baselines.
            return LineSeries(name: name, xs: positions, ys: means, color: Color.cycle(index), dash: index == 0 ? .solid : .dashed,
                              lineWidth: index == 0 ? 2.2 : 1.6, marker: positions.count <= 40 ? .circle : .none, markerSize: 4, band: band)
        }
        return Chart(title: title ?? table.title, xLabel: "in-context examples", yLabel: "squared error",
                     yScale: logScale ? .log : .linear, lines: lines)
    }
}
