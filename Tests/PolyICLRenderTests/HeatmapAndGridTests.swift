import Foundation
import Testing
@testable import PolyICLRender

@Suite("Heatmaps and figure grids")
struct HeatmapAndGridTests {
    func parse(_ svg: String) throws -> XMLNode {
        let parsed = XMLTreeBuilder.parse(svg)
        return try #require(parsed.root, "SVG is not well-formed XML: \(parsed.error ?? "")")
    }

    @Test("cells sit in their grid position with viridis colours; row 0 at the bottom")
    func cellPlacementAndColour() throws {
        let heatmap = Heatmap(values: [[0, 1], [2, 3]], xRange: 0...2, yRange: 0...2)
        let layout = heatmap.layout()
        let root = try parse(heatmap.svg())
        let cells = root.all("rect").filter { $0.attributes["class"] == "cell" }
        #expect(cells.count == 4)
        func cell(_ fill: String) throws -> XMLNode {
            try #require(cells.first { $0.attributes["fill"] == fill }, "no cell coloured \(fill)")
        }
        // Minimum is viridis' first colour, maximum its last (matplotlib's #440154 and #fde725).
        let lowest = try cell("#440154")
        let highest = try cell("#fde725")
        #expect(abs((lowest.number("x") ?? -1) - layout.plotX) < 0.011)
        #expect(abs((lowest.number("y") ?? -1) - (layout.plotY + layout.plotHeight / 2)) < 0.011)
        #expect(abs((highest.number("x") ?? -1) - (layout.plotX + layout.plotWidth / 2)) < 0.011)
        #expect(abs((highest.number("y") ?? -1) - layout.plotY) < 0.011)
        #expect(root.all("g").contains { $0.attributes["class"] == "colorbar" })
    }

    @Test("neighbouring cells of equal colour merge into one rectangle of their total width")
    func mergedRuns() throws {
        let heatmap = Heatmap(values: [[0, 0, 0, 1]], xRange: 0...4, yRange: 0...1)
        let layout = heatmap.layout()
        let cells = try parse(heatmap.svg()).all("rect").filter { $0.attributes["class"] == "cell" }
        #expect(cells.count == 2)
        let run = try #require(cells.first { $0.attributes["fill"] == "#440154" })
        #expect(abs((run.number("width") ?? 0) - (layout.plotWidth * 3 / 4 + 0.3)) < 0.011)
    }

    @Test("viridis and tab10 anchor colours")
    func colorMaps() {
        #expect(ColorMap.viridis.color(at: 0).hexString == "#440154")
        #expect(ColorMap.viridis.color(at: 1).hexString == "#fde725")
        #expect(ColorMap.viridis.color(at: 4.0 / 9.0).hexString == "#26828e")
        #expect(ColorMap.viridis.color(at: .nan).hexString == "#440154")
        #expect(Color.cycle(0).hexString == "#1f77b4")
        #expect(Color.cycle(11).hexString == "#ff7f0e")
    }

    @Test("NaN cells are left blank; an all-NaN or empty heatmap says no data")
    func missingCells() throws {
        let root = try parse(Heatmap(values: [[1, .nan], [.infinity, 2]]).svg())
        #expect(root.all("rect").filter { $0.attributes["class"] == "cell" }.count == 2)
        for heatmap in [Heatmap(values: []), Heatmap(values: [[.nan, .nan]]), Heatmap(values: [[0, -1]], logColor: true)] {
            let svg = heatmap.svg()
            #expect(!svg.lowercased().contains("nan"))
            let parsed = try parse(svg)
            #expect(parsed.all("text").contains { $0.attributes["class"] == "no-data" })
        }
    }

    @Test("a grid places panels side by side and shares the y range when asked")
    func gridLayout() throws {
        let panels: [FigurePanel] = [1.0, 10.0, 100.0].map { scale in
            .chart(Chart(title: "×\(Int(scale))", lines: [LineSeries(xs: [0, 1], ys: [0, scale])]))
        }
        let grid = FigureGrid(title: "three", panels: panels, columns: 2, panelWidth: 300, panelHeight: 250, sharedYRange: true)
        #expect(grid.width == 600 && grid.height == 34 + 500)
        let root = try parse(grid.svg())
        let nested = root.children.filter { $0.name == "svg" }
        #expect(nested.count == 3)
        #expect(nested.map { $0.number("x") ?? -1 } == [0, 300, 0])
        #expect(nested.map { $0.number("y") ?? -1 } == [34, 34, 284])
        // Shared range: every panel shows the same y tick labels.
        let labelSets = nested.map { panel in panel.all("text").filter { $0.attributes["class"] == "ytick" }.map(\.text) }
        #expect(Set(labelSets.map { $0.joined(separator: ",") }).count == 1)
        #expect(try parse(FigureGrid(panels: []).svg()).all("text").contains { $0.attributes["class"] == "no-data" })
    }
}
