import PolyICLRender

/// Loss curves of training runs.
enum TrainingFigures {
    /// The per-step loss, faint, with a moving average over it; log y.
    static func lossChart(_ losses: [Float], title: String) -> Chart {
        let xs = (1...max(1, losses.count)).map(Double.init)
        let raw = losses.map(Double.init)
        let window = max(1, losses.count / 50)
        var smooth: [Double] = []
        smooth.reserveCapacity(raw.count)
        var sum = 0.0
        for i in raw.indices {
            sum += raw[i]
            if i >= window { sum -= raw[i - window] }
            smooth.append(sum / Double(min(i + 1, window)))
        }
        var lines = [LineSeries(name: "loss", xs: xs, ys: raw, color: Color.cycle(0).withAlpha, lineWidth: 1)]
        if window > 1 { lines.append(LineSeries(name: "mean of \(window) steps", xs: xs, ys: smooth, color: Color.cycle(1), lineWidth: 2)) }
        return Chart(title: title, xLabel: "step", yLabel: "training loss (MSE)", yScale: .log, lines: lines, width: 560, height: 340)
    }
}

extension Color {
    /// A paler version, for raw data under a smoothed line.
    fileprivate var withAlpha: Color {
        Color(red: UInt8((Int(red) + 2 * 255) / 3), green: UInt8((Int(green) + 2 * 255) / 3), blue: UInt8((Int(blue) + 2 * 255) / 3))
    }
}
