import PolyICLCore
import PolyICLRender

/// Error against context length, one line per predictor with its bootstrap band.
enum ResultFigures {
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
