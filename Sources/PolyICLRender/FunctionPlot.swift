extension Chart {
    /// A function plot: the true curve, the context points the model saw, the model's
    /// prediction curve and an optional horizontal threshold (for alignment, T = 0.5).
    /// True curve solid blue, prediction dashed orange, context points black, threshold grey.
    ///
    /// - Parameters:
    ///   - curveXs, truth: the true function sampled densely.
    ///   - predictionXs, prediction: the model's predictions (nil: none); `predictionXs`
    ///     defaults to `curveXs`.
    ///   - contextXs, contextYs: the in-context examples.
    public static func function(
        title: String = "", xLabel: String = "x", yLabel: String = "y",
        curveXs: [Double], truth: [Double],
        predictionXs: [Double]? = nil, prediction: [Double]? = nil,
        contextXs: [Double] = [], contextYs: [Double] = [],
        threshold: Double? = nil,
        truthLabel: String = "true function", predictionLabel: String = "model prediction",
        contextLabel: String = "context points", thresholdLabel: String? = nil,
        width: Double = 640, height: Double = 430
    ) -> Chart {
        var lines = [LineSeries(name: truthLabel, xs: curveXs, ys: truth, color: Color.cycle(0), lineWidth: 2)]
        if let prediction {
            lines.append(LineSeries(name: predictionLabel, xs: predictionXs ?? curveXs, ys: prediction,
                                    color: Color.cycle(1), dash: .dashed, lineWidth: 2))
        }
        var scatters: [ScatterSeries] = []
        if !contextXs.isEmpty {
            scatters.append(ScatterSeries(name: contextLabel, xs: contextXs, ys: contextYs, color: Color(hex: 0x222222),
                                          marker: .circle, markerSize: 7, opacity: 0.9))
        }
        var references: [ReferenceLine] = []
        if let threshold {
            let label = thresholdLabel ?? ("threshold " + NumberFormat.general(threshold, significantDigits: 4))
            references.append(ReferenceLine(.horizontal(y: threshold), label: label, color: Color(hex: 0x7F7F7F)))
        }
        return Chart(title: title, xLabel: xLabel, yLabel: yLabel, lines: lines, scatters: scatters,
                     referenceLines: references, width: width, height: height)
    }
}
