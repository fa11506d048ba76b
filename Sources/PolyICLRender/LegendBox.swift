/// A rectangle in SVG pixels.
struct BoxRect: Equatable {
    var x: Double
    var y: Double
    var width: Double
    var height: Double

    func contains(_ point: (Double, Double)) -> Bool {
        point.0 >= x && point.0 <= x + width && point.1 >= y && point.1 <= y + height
    }

    func intersects(_ other: BoxRect) -> Bool {
        x < other.x + other.width && other.x < x + width && y < other.y + other.height && other.y < y + height
    }
}

/// Chooses where a box (legend, annotation) goes inside the plot area: the requested
/// corner, or for `best` the candidate covering the fewest drawn points, trying
/// positions in matplotlib's order (upper right first) so ties look familiar.
enum BoxPlacement {
    static let inset = 8.0

    static func place(size: (Double, Double), frame: PlotFrame, occupied: [(Double, Double)], avoid: [BoxRect], preference: LegendPosition) -> BoxRect {
        let (width, height) = size
        let left = frame.plotX + inset
        let right = frame.plotX + frame.plotWidth - inset - width
        let top = frame.plotY + inset
        let bottom = frame.plotY + frame.plotHeight - inset - height
        let centreX = frame.plotX + (frame.plotWidth - width) / 2
        let centreY = frame.plotY + (frame.plotHeight - height) / 2
        func rect(_ x: Double, _ y: Double) -> BoxRect { BoxRect(x: x, y: y, width: width, height: height) }
        switch preference {
        case .upperRight: return rect(right, top)
        case .upperLeft: return rect(left, top)
        case .lowerLeft: return rect(left, bottom)
        case .lowerRight: return rect(right, bottom)
        case .best, .hidden: break
        }
        let candidates = [
            rect(right, top), rect(left, top), rect(left, bottom), rect(right, bottom),
            rect(right, centreY), rect(left, centreY), rect(centreX, bottom), rect(centreX, top),
        ]
        var best = candidates[0]
        var bestScore = Int.max
        for candidate in candidates {
            var score = coveredCount(candidate, occupied: occupied)
            for other in avoid where other.intersects(candidate) { score += 1_000_000 }
            if score < bestScore {
                bestScore = score
                best = candidate
            }
        }
        return best
    }

    /// Drawn points under the box or just around it (so that lines passing close by count too).
    static func coveredCount(_ rect: BoxRect, occupied: [(Double, Double)]) -> Int {
        let padded = BoxRect(x: rect.x - 3, y: rect.y - 3, width: rect.width + 6, height: rect.height + 6)
        var count = 0
        for point in occupied where padded.contains(point) { count += 1 }
        return count
    }
}

/// The legend: one row per named series with a sample of its line, marker and band.
struct Legend {
    struct Entry {
        var label: String
        var color: Color
        var dash: LineDash
        var lineWidth: Double
        var marker: MarkerShape
        var markerSize: Double
        var showsLine: Bool
        var showsBand: Bool
    }

    var entries: [Entry]
    static let fontSize = 12.0
    static let rowHeight = 18.0
    static let handleLength = 28.0
    static let padding = 7.0

    var size: (Double, Double) {
        let widest = entries.map { TextMetrics.width($0.label, fontSize: Self.fontSize) }.max() ?? 0
        return (Self.padding * 2 + Self.handleLength + 7 + widest, Self.padding * 2 + Self.rowHeight * Double(entries.count) - 4)
    }

    func draw(into writer: inout SVGWriter, at rect: BoxRect) {
        writer.rect(x: rect.x, y: rect.y, width: rect.width, height: rect.height, fill: "#ffffff", stroke: "#cccccc",
                    strokeWidth: 0.9, cornerRadius: 3, fillOpacity: 0.85, extra: " class=\"legend\"")
        for (index, entry) in entries.enumerated() {
            let centreY = rect.y + Self.padding + Self.rowHeight * Double(index) + (Self.rowHeight - 4) / 2
            let x0 = rect.x + Self.padding
            let x1 = x0 + Self.handleLength
            let color = entry.color.hexString
            if entry.showsBand {
                writer.rect(x: x0, y: centreY - 5, width: Self.handleLength, height: 10, fill: color, fillOpacity: 0.2)
            }
            if entry.showsLine {
                writer.line(x1: x0, y1: centreY, x2: x1, y2: centreY, stroke: color, width: entry.lineWidth,
                            dash: entry.dash.dashArray(lineWidth: entry.lineWidth))
            }
            if entry.marker != .none {
                writer.marker(entry.marker, x: (x0 + x1) / 2, y: centreY, size: entry.markerSize, fill: color, cssClass: "legend-marker")
            }
            writer.text(entry.label, x: x1 + 7, y: centreY + Self.fontSize * 0.36, fontSize: Self.fontSize, cssClass: "legend-label")
        }
    }
}

/// A boxed block of text inside the plot (for example correlation coefficients).
struct AnnotationBox {
    var lines: [String]
    static let fontSize = 12.0
    static let lineHeight = 16.0
    static let padding = 7.0

    init(text: String) {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    var size: (Double, Double) {
        let widest = lines.map { TextMetrics.width($0, fontSize: Self.fontSize) }.max() ?? 0
        return (widest + Self.padding * 2, Self.lineHeight * Double(lines.count) + Self.padding * 2 - 3)
    }

    func draw(into writer: inout SVGWriter, at rect: BoxRect) {
        writer.rect(x: rect.x, y: rect.y, width: rect.width, height: rect.height, fill: "#ffffff", stroke: "#cccccc",
                    strokeWidth: 0.9, cornerRadius: 3, fillOpacity: 0.85, extra: " class=\"annotation\"")
        for (index, line) in lines.enumerated() {
            writer.text(line, x: rect.x + Self.padding, y: rect.y + Self.padding + Self.lineHeight * Double(index) + Self.fontSize * 0.85,
                        fontSize: Self.fontSize, cssClass: "annotation-text")
        }
    }
}
