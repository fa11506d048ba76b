/// Lays out and draws a `Chart`: axes with ticks and grid, bands, lines, markers,
/// scatter points, reference lines, legend and annotation.
struct ChartRenderer {
    let chart: Chart

    struct Output {
        var svg: String
        var layout: ChartLayout
    }

    static let tickFontSize = 12.0
    static let labelFontSize = 13.0
    static let titleFontSize = 15.0
    static let majorTickLength = 5.0
    static let minorTickLength = 2.8
    static let tickLabelGap = 3.5
    static let textColor = "#262626"
    static let gridColor = "#b0b0b0"

    /// Colours assigned to lines then scatter series, following the tab10 cycle.
    private func seriesColors() -> (lines: [Color], scatters: [Color]) {
        var next = 0
        func take(_ explicit: Color?) -> Color {
            if let explicit { return explicit }
            defer { next += 1 }
            return Color.cycle(next)
        }
        let lineColors = chart.lines.map { take($0.color) }
        let scatterColors = chart.scatters.map { take($0.color) }
        return (lineColors, scatterColors)
    }

    /// Draws the chart. The legend goes inside the plot where it covers the least data;
    /// when even the best inside spot would hide a noticeable share of the data and the
    /// figure is wide enough, the plot narrows and the legend goes to its right.
    func render() -> Output {
        let inside = render(legendOutside: false)
        guard chart.legend == .best, let legendWidth = inside.legendWidth,
              inside.coveredPoints > max(2, inside.totalPoints / 50),
              chart.width - legendWidth - 24 >= max(300, chart.width * 0.6) else {
            return inside.output
        }
        return render(legendOutside: true).output
    }

    private struct Pass {
        var output: Output
        var legendWidth: Double?
        var coveredPoints: Int
        var totalPoints: Int
    }

    private func render(legendOutside: Bool) -> Pass {
        let colors = seriesColors()
        let entries = chart.legend == .hidden ? [] : legendEntries(colors: colors)
        let legend = entries.isEmpty ? nil : Legend(entries: entries)
        var xValues: [Double] = []
        var yValues: [Double] = []
        for line in chart.lines {
            xValues += line.xs
            yValues += line.ys
            if let band = line.band {
                yValues += band.lower.filter { chart.yScale == .linear || $0 > 0 }
                yValues += band.upper
            }
        }
        for scatter in chart.scatters {
            xValues += scatter.xs
            yValues += scatter.ys
        }
        for reference in chart.referenceLines {
            switch reference.orientation {
            case .horizontal(let y): yValues.append(y)
            case .vertical(let x): xValues.append(x)
            }
        }

        let frame = PlotFrame.layout(
            width: chart.width, height: chart.height, title: chart.title, xLabel: chart.xLabel, yLabel: chart.yLabel,
            makeXAxis: { target in
                ResolvedAxis.make(scale: chart.xScale, values: xValues, explicitRange: chart.xRange, padding: 0.05, targetTickCount: target)
            },
            makeYAxis: { target in
                ResolvedAxis.make(scale: chart.yScale, values: yValues, explicitRange: chart.yRange, padding: 0.05, targetTickCount: target)
            },
            rightReserve: legendOutside ? (legend?.size.0 ?? 0) + 12 : 0
        )

        var writer = SVGWriter()
        frame.drawGrid(into: &writer)

        var data = SVGWriter()
        var occupied: [(Double, Double)] = []
        var drawnPointCount = 0

        for (index, line) in chart.lines.enumerated() {
            guard let band = line.band else { continue }
            let fill = colors.lines[index].hexString
            for polygon in bandPolygons(xs: line.xs, lower: band.lower, upper: band.upper, frame: frame) {
                data.polygon(polygon, fill: fill, opacity: band.opacity, cssClass: "band")
                occupied += polygon
            }
        }
        for reference in chart.referenceLines {
            let stroke = reference.color.hexString
            let dash = reference.dash.dashArray(lineWidth: reference.lineWidth)
            switch reference.orientation {
            case .horizontal(let y):
                guard let py = frame.pixelY(y) else { continue }
                data.line(x1: frame.plotX, y1: py, x2: frame.plotX + frame.plotWidth, y2: py, stroke: stroke, width: reference.lineWidth, dash: dash)
                occupied += Self.sampled([(frame.plotX, py), (frame.plotX + frame.plotWidth, py)])
            case .vertical(let x):
                guard let px = frame.pixelX(x) else { continue }
                data.line(x1: px, y1: frame.plotY, x2: px, y2: frame.plotY + frame.plotHeight, stroke: stroke, width: reference.lineWidth, dash: dash)
                occupied += Self.sampled([(px, frame.plotY), (px, frame.plotY + frame.plotHeight)])
            }
        }
        for (index, line) in chart.lines.enumerated() {
            let stroke = colors.lines[index].hexString
            let points = pixelPoints(xs: line.xs, ys: line.ys, frame: frame)
            for fullSegment in points.segments {
                let segment = Self.decimated(fullSegment, pixelWidth: frame.plotWidth)
                if segment.count == 1 && line.marker == .none {
                    // A lone point would be invisible as a line; show it as a dot.
                    data.marker(.circle, x: segment[0].0, y: segment[0].1, size: max(3, line.lineWidth * 2), fill: stroke, cssClass: "point")
                }
                data.polyline(segment, stroke: stroke, width: line.lineWidth, dash: line.dash.dashArray(lineWidth: line.lineWidth), cssClass: "series")
                occupied += Self.sampled(segment)
            }
            drawnPointCount += points.all.count
            if line.marker != .none {
                for point in points.all {
                    data.marker(line.marker, x: point.0, y: point.1, size: line.markerSize, fill: stroke, cssClass: "marker")
                }
                occupied += points.all
            }
        }
        for (index, scatter) in chart.scatters.enumerated() {
            let fill = colors.scatters[index].hexString
            let points = pixelPoints(xs: scatter.xs, ys: scatter.ys, frame: frame)
            for point in points.all {
                data.marker(scatter.marker == .none ? .circle : scatter.marker, x: point.0, y: point.1, size: scatter.markerSize, fill: fill, opacity: scatter.opacity, cssClass: "marker")
            }
            drawnPointCount += points.all.count
            occupied += points.all
        }

        let clipID = SVGWriter.contentID(prefix: "polyicl-clip-", data.output + "\(frame.plotX),\(frame.plotY),\(frame.plotWidth),\(frame.plotHeight)")
        writer.raw("<defs><clipPath id=\"\(clipID)\"><rect x=\"\(Coordinate.text(frame.plotX))\" y=\"\(Coordinate.text(frame.plotY))\" width=\"\(Coordinate.text(frame.plotWidth))\" height=\"\(Coordinate.text(frame.plotHeight))\"/></clipPath></defs>\n")
        writer.raw("<g clip-path=\"url(#\(clipID))\">\n")
        writer.append(data)
        writer.raw("</g>\n")

        frame.drawAxes(into: &writer)

        if drawnPointCount == 0 && chart.referenceLines.isEmpty {
            writer.text("no data", x: frame.plotX + frame.plotWidth / 2, y: frame.plotY + frame.plotHeight / 2 + 5,
                        fontSize: 14, anchor: .middle, fill: "#808080", italic: true, cssClass: "no-data")
        }

        var legendRect: BoxRect?
        var coveredPoints = 0
        if let legend {
            let rect: BoxRect
            if legendOutside {
                rect = BoxRect(x: frame.plotX + frame.plotWidth + 12, y: frame.plotY, width: legend.size.0, height: legend.size.1)
            } else {
                rect = BoxPlacement.place(size: legend.size, frame: frame, occupied: occupied, avoid: [], preference: chart.legend)
                coveredPoints = BoxPlacement.coveredCount(rect, occupied: occupied)
            }
            legend.draw(into: &writer, at: rect)
            legendRect = rect
        }
        if let annotation = chart.annotation, !annotation.isEmpty {
            let note = AnnotationBox(text: annotation)
            let rect = BoxPlacement.place(
                size: note.size, frame: frame, occupied: occupied, avoid: legendRect.map { [$0] } ?? [], preference: .best)
            note.draw(into: &writer, at: rect)
        }

        let layout = ChartLayout(
            plotX: frame.plotX, plotY: frame.plotY, plotWidth: frame.plotWidth, plotHeight: frame.plotHeight,
            xRange: frame.xAxis.lower...frame.xAxis.upper, yRange: frame.yAxis.lower...frame.yAxis.upper,
            xTicks: frame.xAxis.major, yTicks: frame.yAxis.major)
        return Pass(output: Output(svg: writer.output, layout: layout), legendWidth: legend?.size.0,
                    coveredPoints: coveredPoints, totalPoints: occupied.count)
    }

    private func legendEntries(colors: (lines: [Color], scatters: [Color])) -> [Legend.Entry] {
        var entries: [Legend.Entry] = []
        for (index, line) in chart.lines.enumerated() {
            guard let name = line.name, !name.isEmpty else { continue }
            entries.append(Legend.Entry(
                label: name, color: colors.lines[index], dash: line.dash, lineWidth: line.lineWidth,
                marker: line.marker, markerSize: line.markerSize, showsLine: true, showsBand: line.band != nil))
        }
        for (index, scatter) in chart.scatters.enumerated() {
            guard let name = scatter.name, !name.isEmpty else { continue }
            entries.append(Legend.Entry(
                label: name, color: colors.scatters[index], dash: .solid, lineWidth: 0,
                marker: scatter.marker == .none ? .circle : scatter.marker, markerSize: scatter.markerSize,
                showsLine: false, showsBand: false))
        }
        for reference in chart.referenceLines {
            guard let label = reference.label, !label.isEmpty else { continue }
            entries.append(Legend.Entry(
                label: label, color: reference.color, dash: reference.dash, lineWidth: reference.lineWidth,
                marker: .none, markerSize: 0, showsLine: true, showsBand: false))
        }
        return entries
    }

    /// Pixel positions of the drawable points, and the runs of consecutive drawable
    /// points (a skipped point breaks the line).
    private func pixelPoints(xs: [Double], ys: [Double], frame: PlotFrame) -> (all: [(Double, Double)], segments: [[(Double, Double)]]) {
        var all: [(Double, Double)] = []
        var segments: [[(Double, Double)]] = []
        var current: [(Double, Double)] = []
        for index in 0..<min(xs.count, ys.count) {
            if let px = frame.pixelX(xs[index]), let py = frame.pixelY(ys[index]) {
                all.append((px, py))
                current.append((px, py))
            } else if !current.isEmpty {
                segments.append(current)
                current = []
            }
        }
        if !current.isEmpty { segments.append(current) }
        return (all, segments)
    }

    /// Polygons of the band: upper edge forward, lower edge back, per run of points where
    /// x and both bounds are drawable. On a log axis a non-positive lower bound is drawn
    /// at the bottom of the plot, since the interval reaches below anything visible.
    private func bandPolygons(xs: [Double], lower: [Double], upper: [Double], frame: PlotFrame) -> [[(Double, Double)]] {
        var polygons: [[(Double, Double)]] = []
        var upperRun: [(Double, Double)] = []
        var lowerRun: [(Double, Double)] = []
        func flush() {
            if upperRun.count >= 2 { polygons.append(upperRun + lowerRun.reversed()) }
            upperRun = []
            lowerRun = []
        }
        for index in 0..<min(xs.count, lower.count, upper.count) {
            let lowerValue = lower[index]
            let lowerPixel: Double?
            if chart.yScale == .log && lowerValue.isFinite && lowerValue <= 0 {
                lowerPixel = frame.plotY + frame.plotHeight + 1
            } else {
                lowerPixel = frame.pixelY(lowerValue)
            }
            if let px = frame.pixelX(xs[index]), let upperPixel = frame.pixelY(upper[index]), let lowerPixel {
                upperRun.append((px, upperPixel))
                lowerRun.append((px, lowerPixel))
            } else {
                flush()
            }
        }
        flush()
        return polygons
    }

    /// A long run of points reduced to at most four per pixel column (first, lowest,
    /// highest, last, in their original order), which draws the same picture: a 20,000-step
    /// loss curve does not need 20,000 vertices in 600 pixels.
    static func decimated(_ points: [(Double, Double)], pixelWidth: Double) -> [(Double, Double)] {
        guard points.count > Int(4 * max(1, pixelWidth)) + 8 else { return points }
        var result: [(Double, Double)] = []
        result.reserveCapacity(Int(4 * pixelWidth) + 8)
        var bucketStart = 0
        func flushBucket(_ end: Int) {
            guard end > bucketStart else { return }
            var lowest = bucketStart
            var highest = bucketStart
            for index in bucketStart..<end {
                if points[index].1 < points[lowest].1 { lowest = index }
                if points[index].1 > points[highest].1 { highest = index }
            }
            for index in Set([bucketStart, lowest, highest, end - 1]).sorted() { result.append(points[index]) }
        }
        for index in 1..<points.count where points[index].0.rounded(.down) != points[bucketStart].0.rounded(.down) {
            flushBucket(index)
            bucketStart = index
        }
        flushBucket(points.count)
        return result
    }

    /// Points along a polyline every few pixels, so that legend placement sees long
    /// straight segments and not only their ends.
    static func sampled(_ points: [(Double, Double)]) -> [(Double, Double)] {
        guard points.count >= 2 else { return points }
        var result: [(Double, Double)] = [points[0]]
        for index in 1..<points.count {
            let (x0, y0) = points[index - 1]
            let (x1, y1) = points[index]
            let length = ((x1 - x0) * (x1 - x0) + (y1 - y0) * (y1 - y0)).squareRoot()
            let steps = min(400, Int(length / 6))
            if steps > 1 {
                for step in 1..<steps {
                    let t = Double(step) / Double(steps)
                    result.append((x0 + (x1 - x0) * t, y0 + (y1 - y0) * t))
                }
            }
            result.append(points[index])
        }
        return result
    }
}
