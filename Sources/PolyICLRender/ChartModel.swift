/// Line styles, as matplotlib's '-', '--', ':' and '-.'.
public enum LineDash: String, Sendable, Equatable, CaseIterable {
    case solid, dashed, dotted, dashDot

    /// The SVG dash array for a line of the given width (scaled like matplotlib's).
    func dashArray(lineWidth: Double) -> String? {
        let unit = max(1, lineWidth)
        switch self {
        case .solid: return nil
        case .dashed: return Coordinate.text(3.7 * unit) + "," + Coordinate.text(1.6 * unit)
        case .dotted: return Coordinate.text(1 * unit) + "," + Coordinate.text(1.65 * unit)
        case .dashDot:
            return [6.4, 1.6, 1, 1.6].map { Coordinate.text($0 * unit) }.joined(separator: ",")
        }
    }
}

/// Marker shapes drawn at data points.
public enum MarkerShape: String, Sendable, Equatable, CaseIterable {
    case none, circle, square, triangle, diamond, cross
}

/// A shaded interval (for example a bootstrap confidence band) drawn behind a line, in
/// the line's colour. `lower` and `upper` pair with the line's `xs`.
public struct IntervalBand: Sendable, Equatable {
    public var lower: [Double]
    public var upper: [Double]
    public var opacity: Double

    public init(lower: [Double], upper: [Double], opacity: Double = 0.2) {
        self.lower = lower
        self.upper = upper
        self.opacity = opacity
    }
}

/// A line through points, optionally with markers and an interval band. Points with a
/// non-finite coordinate (or a non-positive one on a log axis) are skipped and break
/// the line there.
public struct LineSeries: Sendable, Equatable {
    /// Shown in the legend; nil or empty keeps the series out of it.
    public var name: String?
    public var xs: [Double]
    public var ys: [Double]
    /// nil takes the next colour of the tab10 cycle.
    public var color: Color?
    public var dash: LineDash
    public var lineWidth: Double
    public var marker: MarkerShape
    /// Marker diameter in pixels.
    public var markerSize: Double
    public var band: IntervalBand?

    public init(
        name: String? = nil, xs: [Double], ys: [Double], color: Color? = nil, dash: LineDash = .solid,
        lineWidth: Double = 1.8, marker: MarkerShape = .none, markerSize: Double = 6, band: IntervalBand? = nil
    ) {
        self.name = name
        self.xs = xs
        self.ys = ys
        self.color = color
        self.dash = dash
        self.lineWidth = lineWidth
        self.marker = marker
        self.markerSize = markerSize
        self.band = band
    }

    /// A line at y = values[i] over x = 1, 2, 3, ... (for a loss curve, say).
    public init(name: String? = nil, values: [Double], color: Color? = nil) {
        self.init(name: name, xs: values.indices.map { Double($0 + 1) }, ys: values, color: color)
    }
}

/// Unconnected points.
public struct ScatterSeries: Sendable, Equatable {
    public var name: String?
    public var xs: [Double]
    public var ys: [Double]
    public var color: Color?
    public var marker: MarkerShape
    public var markerSize: Double
    public var opacity: Double

    public init(
        name: String? = nil, xs: [Double], ys: [Double], color: Color? = nil, marker: MarkerShape = .circle,
        markerSize: Double = 6, opacity: Double = 0.85
    ) {
        self.name = name
        self.xs = xs
        self.ys = ys
        self.color = color
        self.marker = marker
        self.markerSize = markerSize
        self.opacity = opacity
    }

    /// One series per distinct group label, in order of first appearance, so that each
    /// group takes its own colour and legend entry. Extra xs/ys/groups are ignored.
    public static func grouped(xs: [Double], ys: [Double], groups: [String], markerSize: Double = 6) -> [ScatterSeries] {
        var order: [String] = []
        var members: [String: ([Double], [Double])] = [:]
        for index in 0..<min(xs.count, ys.count, groups.count) {
            let group = groups[index]
            if members[group] == nil {
                order.append(group)
                members[group] = ([], [])
            }
            members[group]?.0.append(xs[index])
            members[group]?.1.append(ys[index])
        }
        return order.map { group in
            let points = members[group] ?? ([], [])
            return ScatterSeries(name: group, xs: points.0, ys: points.1, markerSize: markerSize)
        }
    }
}

/// A horizontal or vertical line across the whole plot (a threshold, a reference value).
public struct ReferenceLine: Sendable, Equatable {
    public enum Orientation: Sendable, Equatable {
        case horizontal(y: Double)
        case vertical(x: Double)
    }

    public var orientation: Orientation
    public var label: String?
    public var color: Color
    public var dash: LineDash
    public var lineWidth: Double

    public init(
        _ orientation: Orientation, label: String? = nil, color: Color = Color(hex: 0x555555),
        dash: LineDash = .dashed, lineWidth: Double = 1.3
    ) {
        self.orientation = orientation
        self.label = label
        self.color = color
        self.dash = dash
        self.lineWidth = lineWidth
    }
}

/// Where the legend goes. `best` picks the inside corner or edge that covers the fewest
/// data, as matplotlib's loc="best".
public enum LegendPosition: String, Sendable, Equatable, CaseIterable {
    case best, upperRight, upperLeft, lowerLeft, lowerRight, hidden
}

/// A 2-D plot: lines (with optional bands and markers), scatter series and reference
/// lines on linear or log axes, with title, axis labels, legend and an optional text
/// annotation box. `svg()` draws it.
///
/// Colours: series without an explicit colour take the tab10 cycle in order, lines
/// first, then scatter series.
public struct Chart: Sendable, Equatable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var xScale: AxisScale
    public var yScale: AxisScale
    /// nil: automatic from the data with 5% padding.
    public var xRange: ClosedRange<Double>?
    public var yRange: ClosedRange<Double>?
    public var lines: [LineSeries]
    public var scatters: [ScatterSeries]
    public var referenceLines: [ReferenceLine]
    /// Text in a box inside the plot (lines separated by "\n"), placed to avoid the data,
    /// for example "Pearson r = 0.82\nSpearman ρ = 0.79".
    public var annotation: String?
    public var legend: LegendPosition
    /// Size in pixels (CSS px); the SVG's width, height and viewBox.
    public var width: Double
    public var height: Double

    public init(
        title: String = "", xLabel: String = "", yLabel: String = "",
        xScale: AxisScale = .linear, yScale: AxisScale = .linear,
        xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil,
        lines: [LineSeries] = [], scatters: [ScatterSeries] = [], referenceLines: [ReferenceLine] = [],
        annotation: String? = nil, legend: LegendPosition = .best,
        width: Double = 640, height: Double = 430
    ) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.xScale = xScale
        self.yScale = yScale
        self.xRange = xRange
        self.yRange = yRange
        self.lines = lines
        self.scatters = scatters
        self.referenceLines = referenceLines
        self.annotation = annotation
        self.legend = legend
        self.width = width
        self.height = height
    }

    /// The figure as a self-contained SVG document.
    public func svg() -> String {
        let body = ChartRenderer(chart: self).render()
        return SVGWriter.document(body: body.svg, width: width, height: height)
    }

    /// Where the plot area sits and what the axes cover, as `svg()` lays them out
    /// (for callers that overlay things, and for tests).
    public func layout() -> ChartLayout {
        ChartRenderer(chart: self).render().layout
    }
}

/// The resolved geometry of a drawn chart.
public struct ChartLayout: Sendable, Equatable {
    /// The plot area in SVG pixels: x grows right, y grows down.
    public var plotX: Double
    public var plotY: Double
    public var plotWidth: Double
    public var plotHeight: Double
    public var xRange: ClosedRange<Double>
    public var yRange: ClosedRange<Double>
    public var xTicks: [AxisTick]
    public var yTicks: [AxisTick]
}
