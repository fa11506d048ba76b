import Foundation
import Testing
@testable import PolyICLRender

@Suite("Charts")
struct ChartTests {
    func parse(_ svg: String) throws -> XMLNode {
        let parsed = XMLTreeBuilder.parse(svg)
        return try #require(parsed.root, "SVG is not well-formed XML: \(parsed.error ?? "")")
    }

    func markers(_ root: XMLNode) -> [(Double, Double)] {
        root.all("circle").filter { $0.attributes["class"] == "marker" }.compactMap { node in
            guard let x = node.number("cx"), let y = node.number("cy") else { return nil }
            return (x, y)
        }
    }

    func contains(_ points: [(Double, Double)], _ expected: (Double, Double)) -> Bool {
        points.contains { abs($0.0 - expected.0) <= 0.011 && abs($0.1 - expected.1) <= 0.011 }
    }

    @Test("points land where the axis ranges put them (linear axes)")
    func linearPlacement() throws {
        let chart = Chart(
            xRange: 0...10, yRange: 0...100,
            lines: [LineSeries(name: "line", xs: [1, 5], ys: [10, 50], marker: .circle)],
            scatters: [ScatterSeries(name: "points", xs: [2, 7.5, 10], ys: [30, 90, 0])])
        let layout = chart.layout()
        let root = try parse(chart.svg())
        let points = markers(root)
        #expect(points.count == 5)
        // Hand mapping: x = left + x/10 · width, y = top + (1 − y/100) · height.
        for (x, y) in [(1.0, 10.0), (5, 50), (2, 30), (7.5, 90), (10, 0)] {
            let expected = (layout.plotX + x / 10 * layout.plotWidth, layout.plotY + (1 - y / 100) * layout.plotHeight)
            #expect(contains(points, expected), "(\(x), \(y)) expected at \(expected)")
        }
        // The corner point (10, 0) is the plot area's lower-right corner.
        #expect(contains(points, (layout.plotX + layout.plotWidth, layout.plotY + layout.plotHeight)))
    }

    @Test("points land where log axes put them; non-positive values are skipped")
    func logPlacement() throws {
        let chart = Chart(
            xScale: .log, yScale: .log, xRange: 1...1000, yRange: 0.01...1,
            scatters: [ScatterSeries(xs: [10, 100, 0, 10, -5], ys: [0.1, 0.01, 0.5, -1, 0.2])])
        let layout = chart.layout()
        let root = try parse(chart.svg())
        let points = markers(root)
        #expect(points.count == 2)
        // 10 is one third of the way from 1 to 1000 in log space; 0.1 is half way from 0.01 to 1.
        #expect(contains(points, (layout.plotX + layout.plotWidth / 3, layout.plotY + layout.plotHeight / 2)))
        #expect(contains(points, (layout.plotX + layout.plotWidth * 2 / 3, layout.plotY + layout.plotHeight)))
        let yLabels = root.all("text").filter { $0.attributes["class"] == "ytick" }.map(\.text)
        #expect(yLabels == ["10⁻²", "10⁻¹", "10⁰"])
        let xLabels = root.all("text").filter { $0.attributes["class"] == "xtick" }.map(\.text)
        #expect(xLabels == ["10⁰", "10¹", "10²", "10³"])
    }

    @Test("tick labels sit at their tick values")
    func tickLabelPositions() throws {
        let chart = Chart(xRange: 0...4, yRange: -2...2, lines: [LineSeries(xs: [0, 4], ys: [-2, 2])])
        let layout = chart.layout()
        let root = try parse(chart.svg())
        let xTicks = root.all("text").filter { $0.attributes["class"] == "xtick" }
        #expect(!xTicks.isEmpty)
        for node in xTicks {
            let value = try #require(Double(node.text.replacingOccurrences(of: "−", with: "-")))
            let x = try #require(node.number("x"))
            #expect(abs(x - (layout.plotX + value / 4 * layout.plotWidth)) < 0.011, "label \(node.text)")
        }
    }

    @Test("NaN and infinities are skipped, break the line and never reach the SVG")
    func nonFiniteValues() throws {
        let chart = Chart(lines: [
            LineSeries(name: "broken", xs: [1, 2, 3, 4, 5, 6], ys: [1, 2, .nan, 4, .infinity, 6],
                       band: IntervalBand(lower: [0, 1, .nan, 3, 4, 5], upper: [2, 3, 4, -.infinity, 6, 7])),
        ])
        let svg = chart.svg()
        #expect(!svg.lowercased().contains("nan"))
        #expect(!svg.lowercased().contains("inf"))
        let root = try parse(svg)
        let segments = root.all("polyline").filter { $0.attributes["class"] == "series" }
        // Points 1–2 form a segment; 4 stands alone (no segment); 6 alone.
        #expect(segments.count == 1)
        #expect(segments.first?.attributes["points"]?.split(separator: " ").count == 2)
    }

    @Test("all text is escaped and reads back unchanged")
    func textEscaping() throws {
        let title = "MSE <deg 5> & \"noise\" 'σ²'"
        let chart = Chart(title: title, xLabel: "x < 1", yLabel: "y & z",
                          lines: [LineSeries(name: "<script>alert(1)</script>", xs: [0, 1], ys: [0, 1])],
                          annotation: "r = 0.5 & ρ > 0.4")
        let svg = chart.svg()
        #expect(!svg.contains("<script>"))
        let root = try parse(svg)
        let texts = root.all("text").map(\.text)
        #expect(texts.contains(title))
        #expect(texts.contains("x < 1"))
        #expect(texts.contains("y & z"))
        #expect(texts.contains("<script>alert(1)</script>"))
        #expect(texts.contains("r = 0.5 & ρ > 0.4"))
    }

    @Test("a chart without usable data says so instead of failing")
    func emptyData() throws {
        for chart in [
            Chart(),
            Chart(yScale: .log, lines: [LineSeries(xs: [1, 2], ys: [0, -1])]),
            Chart(lines: [LineSeries(xs: [], ys: [])], scatters: [ScatterSeries(xs: [.nan], ys: [1])]),
        ] {
            let root = try parse(chart.svg())
            #expect(root.all("text").contains { $0.attributes["class"] == "no-data" })
        }
        // Extra xs are ignored; a lone point of a line without markers still shows as a dot.
        let mismatched = try parse(Chart(lines: [LineSeries(xs: [1, 2, 3], ys: [1])]).svg())
        #expect(!mismatched.all("text").contains { $0.attributes["class"] == "no-data" })
        #expect(mismatched.all("circle").contains { $0.attributes["class"] == "point" })
    }

    @Test("the legend avoids the corner where the data are")
    func legendAvoidsData() throws {
        // Points crowd the upper right; the legend must go elsewhere and cover none of them.
        let xs = (0..<30).map { 8 + Double($0 % 6) * 0.4 }
        let ys = (0..<30).map { 8 + Double($0 / 6) * 0.4 }
        let chart = Chart(xRange: 0...10.5, yRange: 0...10.5,
                          scatters: [ScatterSeries(name: "crowd in the corner", xs: xs, ys: ys)])
        let root = try parse(chart.svg())
        let legend = try #require(root.all("rect").first { $0.attributes["class"] == "legend" })
        let x = try #require(legend.number("x")), y = try #require(legend.number("y"))
        let width = try #require(legend.number("width")), height = try #require(legend.number("height"))
        for point in markers(root) {
            let inside = point.0 >= x && point.0 <= x + width && point.1 >= y && point.1 <= y + height
            #expect(!inside)
        }
    }

    @Test("series take the tab10 colours in order; bands share their line's colour")
    func colorCycle() throws {
        let chart = Chart(lines: [
            LineSeries(name: "a", xs: [0, 1], ys: [0, 1], band: IntervalBand(lower: [0, 0.5], upper: [0.5, 1.5])),
            LineSeries(name: "b", xs: [0, 1], ys: [1, 0]),
        ], scatters: [ScatterSeries(name: "c", xs: [0.5], ys: [0.5])])
        let root = try parse(chart.svg())
        let strokes = root.all("polyline").filter { $0.attributes["class"] == "series" }.compactMap { $0.attributes["stroke"] }
        #expect(strokes == ["#1f77b4", "#ff7f0e"])
        #expect(root.all("polygon").first { $0.attributes["class"] == "band" }?.attributes["fill"] == "#1f77b4")
        #expect(markers(root).count == 1)
        #expect(root.all("circle").first { $0.attributes["class"] == "marker" }?.attributes["fill"] == "#2ca02c")
    }

    @Test("clip ids differ between different charts, so inlined SVGs do not collide")
    func clipIDs() throws {
        let first = try parse(Chart(lines: [LineSeries(xs: [0, 1], ys: [0, 1])]).svg())
        let second = try parse(Chart(lines: [LineSeries(xs: [0, 1], ys: [1, 0])]).svg())
        let firstID = first.all("clipPath").first?.attributes["id"]
        let secondID = second.all("clipPath").first?.attributes["id"]
        #expect(firstID != nil && secondID != nil && firstID != secondID)
    }

    @Test("the function plot shows curve, prediction, context points and threshold")
    func functionPlot() throws {
        let chart = Chart.function(curveXs: [-1, 0, 1], truth: [1, 0, 1], prediction: [0.5, 0, 0.5],
                                   contextXs: [-0.5, 0.5], contextYs: [0.25, 0.25], threshold: 0.5)
        let root = try parse(chart.svg())
        #expect(root.all("polyline").filter { $0.attributes["class"] == "series" }.count == 2)
        #expect(markers(root).count == 2)
        let layout = chart.layout()
        let thresholdY = layout.plotY + (1 - (0.5 - layout.yRange.lowerBound) / (layout.yRange.upperBound - layout.yRange.lowerBound)) * layout.plotHeight
        #expect(root.all("line").contains { abs(($0.number("y1") ?? -1) - thresholdY) < 0.011 && $0.attributes["stroke-dasharray"] != nil && abs(($0.number("x2") ?? 0) - ($0.number("x1") ?? 0) - layout.plotWidth) < 0.02 })
        let labels = root.all("text").filter { $0.attributes["class"] == "legend-label" }.map(\.text)
        #expect(labels == ["true function", "model prediction", "context points", "threshold 0.5"])
    }

    @Test("very long lines are thinned per pixel column but keep their extremes")
    func longLineDecimation() throws {
        let count = 100_000
        let xs = (0..<count).map(Double.init)
        var ys = xs.map { 1 + 0.1 * sin($0 / 50) }
        ys[54_321] = 5  // one spike must survive
        let chart = Chart(yRange: 0...6, lines: [LineSeries(xs: xs, ys: ys)])
        let layout = chart.layout()
        let root = try parse(chart.svg())
        let polyline = try #require(root.all("polyline").first { $0.attributes["class"] == "series" })
        let vertices = (polyline.attributes["points"] ?? "").split(separator: " ").compactMap { pair -> (Double, Double)? in
            let parts = pair.split(separator: ",").compactMap { Double($0) }
            return parts.count == 2 ? (parts[0], parts[1]) : nil
        }
        #expect(vertices.count <= Int(4 * layout.plotWidth) + 8)
        #expect(vertices.count > 100)
        let spikeY = layout.plotY + (1 - 5.0 / 6.0) * layout.plotHeight
        #expect(vertices.contains { abs($0.1 - spikeY) < 0.011 })
        // The first and last points are kept.
        #expect(abs((vertices.first?.0 ?? 0) - layout.plotX - 0.05 / 1.1 * layout.plotWidth) < 0.011)
    }

    @Test("grouped scatter makes one series per group, in order of appearance")
    func groupedScatter() {
        let series = ScatterSeries.grouped(xs: [1, 2, 3, 4], ys: [4, 3, 2, 1], groups: ["b", "a", "b", "c"])
        #expect(series.map(\.name) == ["b", "a", "c"])
        #expect(series[0].xs == [1, 3] && series[0].ys == [4, 2])
    }
}
