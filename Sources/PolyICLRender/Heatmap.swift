import Foundation

/// A grid of values drawn as coloured cells with a colour bar, as matplotlib's
/// pcolormesh/imshow(origin="lower") (the paper's Figure 1 joint density).
public struct Heatmap: Sendable, Equatable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var colorbarLabel: String
    /// values[row][column]; row 0 is at the bottom (yRange.lowerBound), column 0 at the left.
    /// Rows may differ in length; missing and non-finite cells are left blank.
    public var values: [[Double]]
    /// The data extent the cells cover (nil: 0...columns and 0...rows).
    public var xRange: ClosedRange<Double>?
    public var yRange: ClosedRange<Double>?
    public var colorMap: ColorMap
    /// Values mapped to the ends of the colour map (nil: the finite minimum and maximum).
    public var colorRange: ClosedRange<Double>?
    /// Logarithmic colour scale (non-positive cells are left blank).
    public var logColor: Bool
    public var width: Double
    public var height: Double

    public init(
        title: String = "", xLabel: String = "", yLabel: String = "", colorbarLabel: String = "",
        values: [[Double]], xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil,
        colorMap: ColorMap = .viridis, colorRange: ClosedRange<Double>? = nil, logColor: Bool = false,
        width: Double = 640, height: Double = 480
    ) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.colorbarLabel = colorbarLabel
        self.values = values
        self.xRange = xRange
        self.yRange = yRange
        self.colorMap = colorMap
        self.colorRange = colorRange
        self.logColor = logColor
        self.width = width
        self.height = height
    }

    public var rowCount: Int { values.count }
    public var columnCount: Int { values.map(\.count).max() ?? 0 }

    public func svg() -> String {
        SVGWriter.document(body: HeatmapRenderer(heatmap: self).render().svg, width: width, height: height)
    }

    public func layout() -> ChartLayout {
        HeatmapRenderer(heatmap: self).render().layout
    }
}

/// Draws a `Heatmap`: cells as rectangles (crisp edges, so no seams between them),
/// axes with ticks, and a vertical colour bar on the right.
struct HeatmapRenderer {
    let heatmap: Heatmap
    static let barWidth = 16.0
    static let barGap = 14.0

    /// The colour scale's ends, in the scale's own space (log10 for log colour).
    private func colorScale() -> (lower: Double, upper: Double)? {
        func transform(_ value: Double) -> Double? {
            guard value.isFinite else { return nil }
            if heatmap.logColor {
                guard value > 0 else { return nil }
                return log10(value)
            }
            return value
        }
        if let range = heatmap.colorRange, let low = transform(range.lowerBound), let high = transform(range.upperBound), high > low {
            return (low, high)
        }
        var low = Double.infinity
        var high = -Double.infinity
        for row in heatmap.values {
            for value in row {
                guard let scaled = transform(value) else { continue }
                low = min(low, scaled)
                high = max(high, scaled)
            }
        }
        if low > high { return nil }
        if low == high { return (low - 0.5, high + 0.5) }
        return (low, high)
    }

    private func fraction(_ value: Double, scale: (lower: Double, upper: Double)) -> Double? {
        guard value.isFinite else { return nil }
        let scaled: Double
        if heatmap.logColor {
            guard value > 0 else { return nil }
            scaled = log10(value)
        } else {
            scaled = value
        }
        return ((scaled - scale.lower) / (scale.upper - scale.lower)).clamped(0, 1)
    }

    func render() -> ChartRenderer.Output {
        let rows = heatmap.rowCount
        let columns = heatmap.columnCount
        let xExtent = validRange(heatmap.xRange) ?? 0...Double(max(1, columns))
        let yExtent = validRange(heatmap.yRange) ?? 0...Double(max(1, rows))
        let scale = colorScale()

        // Colour bar ticks, labelled in data units.
        var barTicks: [AxisTick] = []
        if let scale {
            if heatmap.logColor {
                barTicks = AxisTicks.log(lower: pow(10, scale.lower), upper: pow(10, scale.upper), targetCount: 6).major
            } else {
                barTicks = AxisTicks.linear(lower: scale.lower, upper: scale.upper, targetCount: 6)
            }
        }
        let widestBarLabel = barTicks.map { TextMetrics.width($0.label, fontSize: ChartRenderer.tickFontSize) }.max() ?? 0
        let reserve = Self.barGap + Self.barWidth + ChartRenderer.majorTickLength + ChartRenderer.tickLabelGap + widestBarLabel
            + (heatmap.colorbarLabel.isEmpty ? 4 : ChartRenderer.labelFontSize * 1.25 + 10)

        let frame = PlotFrame.layout(
            width: heatmap.width, height: heatmap.height, title: heatmap.title, xLabel: heatmap.xLabel, yLabel: heatmap.yLabel,
            makeXAxis: { target in ResolvedAxis.make(scale: .linear, values: [], explicitRange: xExtent, padding: 0, targetTickCount: target) },
            makeYAxis: { target in ResolvedAxis.make(scale: .linear, values: [], explicitRange: yExtent, padding: 0, targetTickCount: target) },
            rightReserve: reserve)

        var writer = SVGWriter()
        var cellCount = 0
        if let scale, columns > 0 {
            writer.raw("<g shape-rendering=\"crispEdges\">\n")
            let cellWidth = frame.plotWidth / Double(columns)
            let cellHeight = frame.plotHeight / Double(rows)
            for (rowIndex, row) in heatmap.values.enumerated() {
                let y = frame.plotY + frame.plotHeight - Double(rowIndex + 1) * cellHeight
                // Neighbouring cells of the same colour become one rectangle: dense grids
                // with flat regions (a density's empty tails) get much smaller.
                var runStart = 0
                var runColor: String?
                func flush(_ end: Int) {
                    guard let color = runColor else { return }
                    // Slightly oversized cells close hairline gaps in viewers that antialias anyway.
                    writer.rect(x: frame.plotX + Double(runStart) * cellWidth, y: y,
                                width: Double(end - runStart) * cellWidth + 0.3, height: cellHeight + 0.3,
                                fill: color, extra: " class=\"cell\"")
                }
                for (columnIndex, value) in row.enumerated() {
                    let color = fraction(value, scale: scale).map { heatmap.colorMap.color(at: $0).hexString }
                    if color != nil { cellCount += 1 }
                    if color != runColor {
                        flush(columnIndex)
                        runStart = columnIndex
                        runColor = color
                    }
                }
                flush(row.count)
            }
            writer.raw("</g>\n")
        }
        frame.drawAxes(into: &writer)
        if cellCount == 0 {
            writer.text("no data", x: frame.plotX + frame.plotWidth / 2, y: frame.plotY + frame.plotHeight / 2 + 5,
                        fontSize: 14, anchor: .middle, fill: "#808080", italic: true, cssClass: "no-data")
        } else if let scale {
            drawColorBar(into: &writer, frame: frame, scale: scale, ticks: barTicks)
        }
        let layout = ChartLayout(
            plotX: frame.plotX, plotY: frame.plotY, plotWidth: frame.plotWidth, plotHeight: frame.plotHeight,
            xRange: xExtent, yRange: yExtent, xTicks: frame.xAxis.major, yTicks: frame.yAxis.major)
        return ChartRenderer.Output(svg: writer.output, layout: layout)
    }

    private func validRange(_ range: ClosedRange<Double>?) -> ClosedRange<Double>? {
        guard let range, range.lowerBound.isFinite, range.upperBound.isFinite, range.upperBound > range.lowerBound else { return nil }
        return range
    }

    private func drawColorBar(into writer: inout SVGWriter, frame: PlotFrame, scale: (lower: Double, upper: Double), ticks: [AxisTick]) {
        let x = frame.plotX + frame.plotWidth + Self.barGap
        let top = frame.plotY
        let height = frame.plotHeight
        let steps = 128
        writer.raw("<g class=\"colorbar\" shape-rendering=\"crispEdges\">\n")
        for step in 0..<steps {
            let fraction = (Double(step) + 0.5) / Double(steps)
            let y = top + height * (1 - Double(step + 1) / Double(steps))
            writer.rect(x: x, y: y, width: Self.barWidth, height: height / Double(steps) + 0.3, fill: heatmap.colorMap.color(at: fraction).hexString)
        }
        writer.raw("</g>\n")
        let ink = ChartRenderer.textColor
        writer.rect(x: x, y: top, width: Self.barWidth, height: height, fill: "none", stroke: ink, strokeWidth: 0.9)
        for tick in ticks {
            let scaled = heatmap.logColor ? log10(tick.value) : tick.value
            let fraction = (scaled - scale.lower) / (scale.upper - scale.lower)
            guard fraction.isFinite, fraction >= -1e-9, fraction <= 1 + 1e-9 else { continue }
            let y = top + (1 - fraction) * height
            writer.line(x1: x + Self.barWidth, y1: y, x2: x + Self.barWidth + ChartRenderer.majorTickLength, y2: y, stroke: ink, width: 0.9)
            writer.text(tick.label, x: x + Self.barWidth + ChartRenderer.majorTickLength + ChartRenderer.tickLabelGap,
                        y: y + ChartRenderer.tickFontSize * 0.36, fontSize: ChartRenderer.tickFontSize, cssClass: "colorbar-tick")
        }
        if !heatmap.colorbarLabel.isEmpty {
            let widest = ticks.map { TextMetrics.width($0.label, fontSize: ChartRenderer.tickFontSize) }.max() ?? 0
            let labelX = x + Self.barWidth + ChartRenderer.majorTickLength + ChartRenderer.tickLabelGap + widest + 8 + ChartRenderer.labelFontSize * 0.9
            writer.text(heatmap.colorbarLabel, x: labelX, y: top + height / 2, fontSize: ChartRenderer.labelFontSize,
                        anchor: .middle, rotation: -90, cssClass: "colorbar-label")
        }
    }
}
