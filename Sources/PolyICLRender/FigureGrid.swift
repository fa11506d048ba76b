/// One panel of a figure grid.
public enum FigurePanel: Sendable, Equatable {
    case chart(Chart)
    case heatmap(Heatmap)
}

/// Several panels side by side in rows (for example one panel per fixed-coefficient
/// count, as the paper's Figure 3), under an optional overall title.
public struct FigureGrid: Sendable, Equatable {
    public var title: String
    public var panels: [FigurePanel]
    /// Panels per row.
    public var columns: Int
    /// Size of every panel in pixels; each panel's own width and height are replaced.
    public var panelWidth: Double
    public var panelHeight: Double
    /// Give all chart panels the same y range (the union of their automatic ranges),
    /// so that they can be compared by eye. Panels with an explicit yRange keep theirs.
    public var sharedYRange: Bool

    public init(
        title: String = "", panels: [FigurePanel], columns: Int = 3,
        panelWidth: Double = 380, panelHeight: Double = 320, sharedYRange: Bool = false
    ) {
        self.title = title
        self.panels = panels
        self.columns = columns
        self.panelWidth = panelWidth
        self.panelHeight = panelHeight
        self.sharedYRange = sharedYRange
    }

    var titleHeight: Double { title.isEmpty ? 0 : 34 }
    var effectiveColumns: Int { max(1, min(columns, max(1, panels.count))) }
    var rowCount: Int { panels.isEmpty ? 1 : (panels.count + effectiveColumns - 1) / effectiveColumns }
    public var width: Double { Double(effectiveColumns) * panelWidth }
    public var height: Double { titleHeight + Double(rowCount) * panelHeight }

    /// Panels as drawn: sized to the grid cell, y ranges shared if asked.
    func resolvedPanels() -> [FigurePanel] {
        var sized = panels.map { panel -> FigurePanel in
            switch panel {
            case .chart(var chart):
                chart.width = panelWidth
                chart.height = panelHeight
                return .chart(chart)
            case .heatmap(var heatmap):
                heatmap.width = panelWidth
                heatmap.height = panelHeight
                return .heatmap(heatmap)
            }
        }
        guard sharedYRange else { return sized }
        var lower = Double.infinity
        var upper = -Double.infinity
        var scales = Set<AxisScale>()
        for panel in sized {
            guard case .chart(let chart) = panel, chart.yRange == nil else { continue }
            let range = chart.layout().yRange
            lower = min(lower, range.lowerBound)
            upper = max(upper, range.upperBound)
            scales.insert(chart.yScale)
        }
        // A shared range only makes sense when the panels use one scale.
        guard lower < upper, scales.count == 1 else { return sized }
        for index in sized.indices {
            if case .chart(var chart) = sized[index], chart.yRange == nil {
                chart.yRange = lower...upper
                sized[index] = .chart(chart)
            }
        }
        return sized
    }

    public func svg() -> String {
        var writer = SVGWriter()
        if !title.isEmpty {
            writer.text(title, x: width / 2, y: 24, fontSize: 16, anchor: .middle, cssClass: "figure-title")
        }
        if panels.isEmpty {
            writer.text("no data", x: width / 2, y: titleHeight + panelHeight / 2, fontSize: 14, anchor: .middle,
                        fill: "#808080", italic: true, cssClass: "no-data")
        }
        for (index, panel) in resolvedPanels().enumerated() {
            let origin = (Double(index % effectiveColumns) * panelWidth, titleHeight + Double(index / effectiveColumns) * panelHeight)
            let body: String
            switch panel {
            case .chart(let chart): body = ChartRenderer(chart: chart).render().svg
            case .heatmap(let heatmap): body = HeatmapRenderer(heatmap: heatmap).render().svg
            }
            writer.raw(SVGWriter.document(body: body, width: panelWidth, height: panelHeight, nestedAt: origin))
        }
        return SVGWriter.document(body: writer.output, width: width, height: height)
    }
}
