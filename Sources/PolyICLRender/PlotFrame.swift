/// The plot area of a figure with its two axes: margins computed from the tick labels,
/// axis labels and title, the data-to-pixel mapping, and the drawing of grid, spines,
/// ticks and labels. Shared by charts and heatmaps.
struct PlotFrame {
    var width: Double
    var height: Double
    var title: String
    var xLabel: String
    var yLabel: String
    var xAxis: ResolvedAxis
    var yAxis: ResolvedAxis
    var plotX: Double
    var plotY: Double
    var plotWidth: Double
    var plotHeight: Double
    var titleFontSize: Double
    /// The title broken into lines that fit the figure's width.
    var titleLines: [String]

    typealias Font = ChartRenderer

    /// Finds margins and tick density that fit: tick labels must not overlap, and the
    /// margins must hold the widest tick label, the axis labels and the title.
    /// `rightReserve` keeps room on the right (for a colour bar).
    static func layout(
        width: Double, height: Double, title: String, xLabel: String, yLabel: String,
        makeXAxis: (Int) -> ResolvedAxis, makeYAxis: (Int) -> ResolvedAxis, rightReserve: Double
    ) -> PlotFrame {
        let tickFont = Font.tickFontSize
        let labelFont = Font.labelFontSize
        let titleWidthLimit = max(40, width - 16)
        var titleFont = Font.titleFontSize
        let titleLines = wrap(title, fontSize: titleFont, limit: titleWidthLimit, maxLines: 2)
        // A single word (or third line) that still does not fit makes the font smaller.
        if let widest = titleLines.map({ TextMetrics.width($0, fontSize: titleFont) }).max(), widest > titleWidthLimit {
            titleFont = max(9, titleFont * titleWidthLimit / widest)
        }
        let top = titleLines.isEmpty ? 12.0 : 12 + titleFont * 1.25 * Double(titleLines.count) + 4
        let bottom = Font.majorTickLength + Font.tickLabelGap + tickFont * 1.1 + (xLabel.isEmpty ? 8 : 8 + labelFont * 1.25) + 4
        var left = 60.0
        var right = 16.0 + rightReserve
        var xAxis = makeXAxis(5)
        var yAxis = makeYAxis(5)
        for _ in 0..<3 {
            let plotWidth = max(20, width - left - right)
            let plotHeight = max(20, height - top - bottom)
            // About one x tick per 80 px and one y tick per 50 px, fewer if labels collide.
            var xTarget = max(2, min(9, Int((plotWidth / 80).rounded())))
            xAxis = makeXAxis(xTarget)
            while xTarget > 2 && labelsCollide(xAxis, length: plotWidth, horizontal: true) {
                xTarget -= 1
                xAxis = makeXAxis(xTarget)
            }
            var yTarget = max(2, min(9, Int((plotHeight / 50).rounded())))
            yAxis = makeYAxis(yTarget)
            while yTarget > 2 && labelsCollide(yAxis, length: plotHeight, horizontal: false) {
                yTarget -= 1
                yAxis = makeYAxis(yTarget)
            }
            let widestYLabel = yAxis.major.map { TextMetrics.width($0.label, fontSize: tickFont) }.max() ?? 0
            left = 8 + (yLabel.isEmpty ? 0 : labelFont * 1.25 + 6) + widestYLabel + Font.tickLabelGap + Font.majorTickLength
            // The last x tick label may stick out to the right of the plot area.
            var overhang = 0.0
            if let last = xAxis.major.last, let fraction = xAxis.fraction(last.value) {
                let halfLabel = TextMetrics.width(last.label, fontSize: tickFont) / 2
                overhang = max(0, halfLabel - (1 - fraction) * plotWidth)
            }
            right = max(16, overhang + 6) + rightReserve
        }
        return PlotFrame(
            width: width, height: height, title: title, xLabel: xLabel, yLabel: yLabel, xAxis: xAxis, yAxis: yAxis,
            plotX: left, plotY: top, plotWidth: max(20, width - left - right), plotHeight: max(20, height - top - bottom),
            titleFontSize: titleFont, titleLines: titleLines)
    }

    /// Greedy word wrap into at most `maxLines` lines; the last line takes the rest.
    static func wrap(_ text: String, fontSize: Double, limit: Double, maxLines: Int) -> [String] {
        if text.isEmpty { return [] }
        if TextMetrics.width(text, fontSize: fontSize) <= limit { return [text] }
        let words = text.split(separator: " ").map(String.init)
        var lines: [String] = []
        var current = ""
        for (index, word) in words.enumerated() {
            let candidate = current.isEmpty ? word : current + " " + word
            if TextMetrics.width(candidate, fontSize: fontSize) <= limit || current.isEmpty {
                current = candidate
            } else if lines.count == maxLines - 1 {
                current = ([current] + words[index...]).joined(separator: " ")
                break
            } else {
                lines.append(current)
                current = word
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    private static func labelsCollide(_ axis: ResolvedAxis, length: Double, horizontal: Bool) -> Bool {
        var previous: (position: Double, extent: Double)?
        for tick in axis.major {
            guard let fraction = axis.fraction(tick.value) else { continue }
            let position = fraction * length
            let extent = horizontal ? TextMetrics.width(tick.label, fontSize: Font.tickFontSize) : Font.tickFontSize * 1.2
            if let previous, position - previous.position < (extent + previous.extent) / 2 + 8 { return true }
            previous = (position, extent)
        }
        return false
    }

    /// Largest distance outside the plot area at which points are still drawn; the clip
    /// path hides them, and the limit keeps coordinates short and finite.
    private static let overshoot = 4000.0

    func pixelX(_ value: Double) -> Double? {
        guard let fraction = xAxis.fraction(value), fraction.isFinite else { return nil }
        return (plotX + fraction * plotWidth).clamped(plotX - Self.overshoot, plotX + plotWidth + Self.overshoot)
    }

    func pixelY(_ value: Double) -> Double? {
        guard let fraction = yAxis.fraction(value), fraction.isFinite else { return nil }
        return (plotY + (1 - fraction) * plotHeight).clamped(plotY - Self.overshoot, plotY + plotHeight + Self.overshoot)
    }

    private func inside(_ fraction: Double?) -> Bool {
        guard let fraction else { return false }
        return fraction >= -1e-9 && fraction <= 1 + 1e-9
    }

    /// Light grid lines at major ticks (and fainter ones at minor ticks of log axes).
    func drawGrid(into writer: inout SVGWriter) {
        let grid = Font.gridColor
        for value in xAxis.minor where xAxis.scale == .log {
            guard inside(xAxis.fraction(value)), let px = pixelX(value) else { continue }
            writer.line(x1: px, y1: plotY, x2: px, y2: plotY + plotHeight, stroke: grid, width: 0.6, opacity: 0.18)
        }
        for value in yAxis.minor where yAxis.scale == .log {
            guard inside(yAxis.fraction(value)), let py = pixelY(value) else { continue }
            writer.line(x1: plotX, y1: py, x2: plotX + plotWidth, y2: py, stroke: grid, width: 0.6, opacity: 0.18)
        }
        for tick in xAxis.major {
            guard inside(xAxis.fraction(tick.value)), let px = pixelX(tick.value) else { continue }
            writer.line(x1: px, y1: plotY, x2: px, y2: plotY + plotHeight, stroke: grid, width: 0.8, opacity: 0.45)
        }
        for tick in yAxis.major {
            guard inside(yAxis.fraction(tick.value)), let py = pixelY(tick.value) else { continue }
            writer.line(x1: plotX, y1: py, x2: plotX + plotWidth, y2: py, stroke: grid, width: 0.8, opacity: 0.45)
        }
    }

    /// Spines, outward ticks, tick labels, axis labels and title.
    func drawAxes(into writer: inout SVGWriter) {
        let ink = Font.textColor
        writer.rect(x: plotX, y: plotY, width: plotWidth, height: plotHeight, fill: "none", stroke: ink, strokeWidth: 0.9)
        let bottom = plotY + plotHeight
        for value in xAxis.minor {
            guard inside(xAxis.fraction(value)), let px = pixelX(value) else { continue }
            writer.line(x1: px, y1: bottom, x2: px, y2: bottom + Font.minorTickLength, stroke: ink, width: 0.7)
        }
        for value in yAxis.minor {
            guard inside(yAxis.fraction(value)), let py = pixelY(value) else { continue }
            writer.line(x1: plotX, y1: py, x2: plotX - Font.minorTickLength, y2: py, stroke: ink, width: 0.7)
        }
        let labelBaseline = bottom + Font.majorTickLength + Font.tickLabelGap + Font.tickFontSize * 0.82
        for tick in xAxis.major {
            guard inside(xAxis.fraction(tick.value)), let px = pixelX(tick.value) else { continue }
            writer.line(x1: px, y1: bottom, x2: px, y2: bottom + Font.majorTickLength, stroke: ink, width: 0.9)
            writer.text(tick.label, x: px, y: labelBaseline, fontSize: Font.tickFontSize, anchor: .middle, cssClass: "xtick")
        }
        for tick in yAxis.major {
            guard inside(yAxis.fraction(tick.value)), let py = pixelY(tick.value) else { continue }
            writer.line(x1: plotX, y1: py, x2: plotX - Font.majorTickLength, y2: py, stroke: ink, width: 0.9)
            writer.text(tick.label, x: plotX - Font.majorTickLength - Font.tickLabelGap, y: py + Font.tickFontSize * 0.36,
                        fontSize: Font.tickFontSize, anchor: .end, cssClass: "ytick")
        }
        if !xLabel.isEmpty {
            writer.text(xLabel, x: plotX + plotWidth / 2, y: labelBaseline + 8 + Font.labelFontSize * 1.0,
                        fontSize: Font.labelFontSize, anchor: .middle, cssClass: "xlabel")
        }
        if !yLabel.isEmpty {
            let x = 8 + Font.labelFontSize * 0.85
            writer.text(yLabel, x: x, y: plotY + plotHeight / 2, fontSize: Font.labelFontSize, anchor: .middle,
                        rotation: -90, cssClass: "ylabel")
        }
        for (index, line) in titleLines.enumerated() {
            // Centred over the plot area, but kept inside the figure when the line is long.
            let lineWidth = TextMetrics.width(line, fontSize: titleFontSize)
            let centre = (plotX + plotWidth / 2).clamped(8 + lineWidth / 2, max(8 + lineWidth / 2, width - 8 - lineWidth / 2))
            writer.text(line, x: centre, y: 10 + titleFontSize * (1 + 1.25 * Double(index)), fontSize: titleFontSize,
                        anchor: .middle, cssClass: "title")
        }
    }
}
