import PolyICLCore
import PolyICLRender

/// The figures of the analysis commands (shift, spectra, signature).
enum AnalysisFigures {
    /// Error against shift size, one line per predictor with its bootstrap band, log y
    /// (least squares is near 0 at every size, so it sits at the bottom of the axis).
    static func errorBySize(_ result: ResultObject, kind: ShiftFamily.Kind) -> Chart {
        let table = result.table
        let sizes = table[column: "size"] ?? []
        let lines: [LineSeries] = result.predictors.enumerated().map { index, name in
            // Exact zeros cannot be drawn on a log axis: floor them at 1e-16, below the rounding
            // error of least squares (~1e-14), so every value that is not exactly 0 is drawn as is.
            let means = (table[column: name + " mean"] ?? []).map { max($0, 1e-16) }
            var band: IntervalBand?
            if let lower = table[column: name + " lower"], let upper = table[column: name + " upper"] {
                band = IntervalBand(lower: lower.map { max($0, 1e-16) }, upper: upper.map { max($0, 1e-16) })
            }
            return LineSeries(name: name, xs: sizes, ys: means, color: Color.cycle(index), dash: index == 0 ? .solid : .dashed,
                              lineWidth: index == 0 ? 2.2 : 1.6, marker: .circle, markerSize: 5, band: band)
        }
        return Chart(title: table.title, xLabel: kind.identitySize == 1 ? "\(kind.label) factor" : "\(kind.label) size",
                     yLabel: "squared error (last point)", yScale: .log, lines: lines,
                     referenceLines: [ReferenceLine(.vertical(x: kind.identitySize), label: "training")])
    }

    /// Mean singular values by index at one layer: in distribution (the reference prompts)
    /// and at every size, log y.
    static func spectrum(_ signature: SpectralSignature, layer: Int, title: String) -> Chart {
        let reference = signature.referenceSpectrum[layer]
        let indices = reference.indices.map { Double($0 + 1) }
        var lines = [LineSeries(name: "in distribution (reference)", xs: indices, ys: reference.map { max($0, 1e-12) },
                                color: Color.cycle(0), lineWidth: 2.4, marker: .circle, markerSize: 4)]
        for (index, size) in signature.family.sizes.enumerated() {
            lines.append(LineSeries(name: signature.label(size: size), xs: indices, ys: signature.spectra[index][layer].map { max($0, 1e-12) },
                                    color: Color.cycle(index + 1), dash: .dashed, lineWidth: 1.5))
        }
        return Chart(title: title, xLabel: "singular value index", yLabel: "mean singular value", yScale: .log, lines: lines)
    }

    /// The mean signature score against shift size, one line per layer with its band of the
    /// prompts' 25th to 75th percentiles.
    static func scoreBySize(_ signature: SpectralSignature) -> Chart {
        let table = signature.scoreTable()
        let sizes = signature.family.sizes
        let lines: [LineSeries] = (0..<signature.layerCount).map { layer in
            let column = { (part: String) in table[column: "layer \(layer) \(part)"] ?? [] }
            return LineSeries(name: layer == 0 ? "embedding" : "layer \(layer)", xs: sizes, ys: column("mean"), color: Color.cycle(layer),
                              marker: .circle, markerSize: 4, band: IntervalBand(lower: column("lower"), upper: column("upper"), opacity: 0.12))
        }
        let kind = signature.family.kind
        return Chart(title: "signature score by \(kind.label) and layer", xLabel: kind.identitySize == 1 ? "\(kind.label) factor" : "\(kind.label) size",
                     yLabel: "similarity to in-distribution directions", yRange: 0...1.02, lines: lines,
                     referenceLines: [ReferenceLine(.vertical(x: kind.identitySize), label: "training")])
    }

    /// Every scored prompt at one layer: score against loss (log), coloured by size, with
    /// Pearson and Spearman printed in the plot.
    static func scoreAgainstLoss(_ signature: SpectralSignature, layer: Int) -> Chart {
        var xs: [Double] = [], ys: [Double] = [], groups: [String] = []
        for (index, size) in signature.family.sizes.enumerated() {
            xs += signature.scores[index][layer]
            ys += signature.losses[index].map { max($0, 1e-12) }
            groups += [String](repeating: signature.label(size: size), count: signature.losses[index].count)
        }
        let (pearson, spearman) = signature.correlations(layer: layer)
        let annotation = "Pearson r = \(format(pearson))\nSpearman ρ = \(format(spearman))\n(score vs loss, \(xs.count) prompts)"
        return Chart(title: "score against loss at \(layer == 0 ? "the embedding" : "layer \(layer)")", xLabel: "signature score",
                     yLabel: "prompt loss (MSE)", yScale: .log, scatters: ScatterSeries.grouped(xs: xs, ys: ys, groups: groups, markerSize: 4),
                     annotation: annotation)
    }

    static func format(_ value: Double?) -> String {
        guard let value else { return "undefined" }
        return TextFormat.number(value, digits: 3)
    }
}
