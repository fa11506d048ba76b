import Foundation
import PolyICLRender

/// Figures like the ones the experiments draw, built from hand-made data; used by the
/// XML checks and written out for viewing when POLYICL_RENDER_GALLERY names a directory.
enum SampleFigures {
    /// Error against context length on log y with bootstrap bands (the paper's Figure 2).
    static func errorVersusContext() -> Chart {
        let contexts = (1...31).map(Double.init)
        func curve(_ scale: Double, _ rate: Double, _ floor: Double) -> [Double] {
            contexts.map { scale * exp(-rate * $0) + floor }
        }
        let model = curve(0.6, 0.18, 0.004)
        let lstsq = contexts.map { $0 <= 11 ? 5.0 / $0 : 0.002 + 0.02 / ($0 - 10) }
        let ridge = curve(0.5, 0.1, 0.02)
        func band(_ values: [Double], _ width: Double) -> IntervalBand {
            IntervalBand(lower: values.map { $0 * (1 - width) }, upper: values.map { $0 * (1 + width) })
        }
        return Chart(
            title: "Error against context length (degree 0–11)", xLabel: "context length (points)",
            yLabel: "mean squared error", yScale: .log,
            lines: [
                LineSeries(name: "transformer", xs: contexts, ys: model, marker: .circle, markerSize: 5, band: band(model, 0.3)),
                LineSeries(name: "least squares", xs: contexts, ys: lstsq, dash: .dashed, band: band(lstsq, 0.2)),
                LineSeries(name: "ridge (λ = 0.2)", xs: contexts, ys: ridge, dash: .dotted, band: band(ridge, 0.15)),
            ])
    }

    static func functionPlot() -> Chart {
        let xs = stride(from: -1.0, through: 1.0, by: 0.01).map { $0 }
        let truth = xs.map { 0.3 + 0.8 * $0 - 0.5 * (2 * $0 * $0 - 1) + 0.4 * (4 * $0 * $0 * $0 - 3 * $0) }
        let prediction = xs.map { min(0.5, 0.28 + 0.82 * $0 - 0.45 * (2 * $0 * $0 - 1) + 0.35 * (4 * $0 * $0 * $0 - 3 * $0)) }
        let contextXs = [-0.9, -0.7, -0.42, -0.1, 0.05, 0.33, 0.6, 0.85]
        let contextYs = contextXs.map { min(0.5, 0.3 + 0.8 * $0 - 0.5 * (2 * $0 * $0 - 1) + 0.4 * (4 * $0 * $0 * $0 - 3 * $0)) }
        return Chart.function(title: "Clamped polynomial, 8 context points", curveXs: xs, truth: truth,
                              prediction: prediction, contextXs: contextXs, contextYs: contextYs, threshold: 0.5)
    }

    static func scatterWithCorrelation() -> Chart {
        var generator = SystemRandomNumberGenerator()
        var xs: [Double] = []
        var ys: [Double] = []
        var groups: [String] = []
        for (index, shift) in [0.0, 0.5, 1.0, 2.0].enumerated() {
            for _ in 0..<40 {
                let score = Double.random(in: 0.2...0.95, using: &generator) - 0.15 * Double(index)
                xs.append(score)
                ys.append(pow(10, -2.5 + 2.5 * (1 - score) + Double.random(in: -0.3...0.3, using: &generator)))
                groups.append("shift " + NumberFormat.general(shift, significantDigits: 2))
            }
        }
        var chart = Chart(
            title: "Signature score against loss", xLabel: "similarity to reference top-2 directions",
            yLabel: "loss", yScale: .log, scatters: ScatterSeries.grouped(xs: xs, ys: ys, groups: groups))
        chart.annotation = "Pearson r = −0.82\nSpearman ρ = −0.79"
        return chart
    }

    static func jointDensity() -> Heatmap {
        let columns = 60
        let rows = 50
        var values: [[Double]] = []
        for row in 0..<rows {
            let y = -3 + 6 * (Double(row) + 0.5) / Double(rows)
            values.append((0..<columns).map { column in
                let x = -1 + 2 * (Double(column) + 0.5) / Double(columns)
                let spread = 0.6 + 0.8 * x * x
                return exp(-y * y / (2 * spread * spread)) / spread
            })
        }
        return Heatmap(title: "Joint density of (x, p(x)), degree 5", xLabel: "x", yLabel: "p(x)",
                       colorbarLabel: "density", values: values, xRange: -1...1, yRange: -3...3)
    }

    static func spectra() -> Chart {
        let indices = (1...32).map(Double.init)
        return Chart(
            title: "Singular values of the residual stream (layer 6)", xLabel: "index", yLabel: "singular value",
            yScale: .log,
            lines: [
                LineSeries(name: "in distribution", xs: indices, ys: indices.map { 40 * pow($0, -1.6) }, marker: .circle, markerSize: 4),
                LineSeries(name: "x shifted by 2", xs: indices, ys: indices.map { 25 * pow($0, -1.1) }, marker: .square, markerSize: 4),
            ])
    }

    static func lossCurve() -> Chart {
        let steps = (0..<400).map { Double($0 * 50) }
        let loss = steps.map { 2.0 * exp(-$0 / 3000) + 0.05 + 0.02 * sin($0 / 37) }
        return Chart(title: "Training loss", xLabel: "step", yLabel: "loss", yScale: .log,
                     lines: [LineSeries(name: "loss", xs: steps, ys: loss)], legend: .hidden)
    }

    static func perCoefficientGrid() -> FigureGrid {
        let contexts = (1...20).map(Double.init)
        let panels = [0, 1, 3, 5].map { fixed -> FigurePanel in
            let lora = contexts.map { 0.3 / Double(fixed + 1) * exp(-0.2 * $0) + 0.01 }
            let soft = contexts.map { 0.5 / Double(fixed + 1) * exp(-0.15 * $0) + 0.02 }
            return .chart(Chart(
                title: "k = \(fixed) fixed", xLabel: "context length", yLabel: "MSE", yScale: .log,
                lines: [
                    LineSeries(name: "LoRA", xs: contexts, ys: lora),
                    LineSeries(name: "soft prompt", xs: contexts, ys: soft, dash: .dashed),
                ]))
        }
        return FigureGrid(title: "Fine-tuning on degree 5 with k fixed coefficients", panels: panels, columns: 4,
                          panelWidth: 330, panelHeight: 290, sharedYRange: true)
    }

    static func emptyChart() -> Chart {
        Chart(title: "Nothing to show <yet>", xLabel: "x", yLabel: "y", yScale: .log,
              lines: [LineSeries(name: "only missing values", xs: [1, 2, 3], ys: [.nan, -1, 0])])
    }


    /// Jailbreak: fraction above threshold against unclamped examples, with intervals (Figure 5).
    static func jailbreak() -> Chart {
        let ks = (0...10).map(Double.init)
        let fraction = ks.map { 1 - exp(-0.35 * $0) }
        return Chart(
            title: "Jailbreaking an aligned model", xLabel: "unclamped examples in context (k)",
            yLabel: "fraction of answers above T", yRange: 0...1,
            lines: [LineSeries(name: "aligned by fine-tuning", xs: ks, ys: fraction, marker: .square, markerSize: 6,
                               band: IntervalBand(lower: fraction.map { max(0, $0 - 0.08) }, upper: fraction.map { min(1, $0 + 0.08) }))])
    }

    /// Many series, large numbers on a linear y axis, a long title: stress for labels and legend.
    static func crowded() -> Chart {
        let xs = stride(from: -0.8, through: 0.8, by: 0.1).map { $0 }
        let lines = (0..<7).map { index in
            LineSeries(name: "soft prompt scaled by " + NumberFormat.general(0.5 + 0.1 * Double(index), significantDigits: 2),
                       xs: xs, ys: xs.map { 120_000 * (1 + Double(index) * 0.3) * ($0 * $0 + 0.05) })
        }
        return Chart(
            title: "Perturbing the soft prompt toward and away from its nearest hard prompt, error by rotation angle and scale factor",
            xLabel: "rotation angle (rad)", yLabel: "squared error", lines: lines, width: 560, height: 400)
    }

    /// Tiny values on a linear axis, and a narrow figure.
    static func narrowTiny() -> Chart {
        let xs = (0..<20).map(Double.init)
        return Chart(title: "Gradient norm", xLabel: "step", yLabel: "norm",
                     lines: [LineSeries(name: "norm", xs: xs, ys: xs.map { 0.00031 + 0.00002 * sin($0) }, marker: .diamond)],
                     width: 320, height: 260)
    }

    static func all() -> [(name: String, svg: String)] {
        [
            ("error-vs-context", errorVersusContext().svg()),
            ("function-plot", functionPlot().svg()),
            ("scatter-correlation", scatterWithCorrelation().svg()),
            ("heatmap-joint-density", jointDensity().svg()),
            ("spectra", spectra().svg()),
            ("loss-curve", lossCurve().svg()),
            ("grid-per-k", perCoefficientGrid().svg()),
            ("empty", emptyChart().svg()),
            ("jailbreak", jailbreak().svg()),
            ("crowded", crowded().svg()),
            ("narrow-tiny", narrowTiny().svg()),
        ]
    }
}
