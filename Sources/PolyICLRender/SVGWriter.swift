/// Appends SVG elements to a string. All text goes through `XMLEscaping`; all numbers
/// through `Coordinate` (two decimals), so no NaN or inf can reach the document: callers
/// drop non-finite points before they get here, and `Coordinate` writes 0 for any left.
struct SVGWriter {
    private(set) var output = ""

    init() {
        output.reserveCapacity(16_384)
    }

    mutating func raw(_ text: String) {
        output += text
    }

    mutating func append(_ other: SVGWriter) {
        output += other.output
    }

    mutating func rect(
        x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String? = nil,
        strokeWidth: Double = 1, cornerRadius: Double = 0, fillOpacity: Double = 1, extra: String = ""
    ) {
        output += "<rect x=\"\(Coordinate.text(x))\" y=\"\(Coordinate.text(y))\" width=\"\(Coordinate.text(width))\" height=\"\(Coordinate.text(height))\" fill=\"\(fill)\""
        if fillOpacity < 1 { output += " fill-opacity=\"\(Coordinate.text(fillOpacity))\"" }
        if let stroke { output += " stroke=\"\(stroke)\" stroke-width=\"\(Coordinate.text(strokeWidth))\"" }
        if cornerRadius > 0 { output += " rx=\"\(Coordinate.text(cornerRadius))\"" }
        output += extra + "/>\n"
    }

    mutating func line(
        x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double,
        dash: String? = nil, opacity: Double = 1
    ) {
        output += "<line x1=\"\(Coordinate.text(x1))\" y1=\"\(Coordinate.text(y1))\" x2=\"\(Coordinate.text(x2))\" y2=\"\(Coordinate.text(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(Coordinate.text(width))\""
        if let dash { output += " stroke-dasharray=\"\(dash)\"" }
        if opacity < 1 { output += " stroke-opacity=\"\(Coordinate.text(opacity))\"" }
        output += "/>\n"
    }

    mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double, dash: String?, cssClass: String) {
        guard points.count >= 2 else { return }
        output += "<polyline class=\"\(cssClass)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(Coordinate.text(width))\" stroke-linejoin=\"round\" stroke-linecap=\"round\""
        if let dash { output += " stroke-dasharray=\"\(dash)\"" }
        output += " points=\""
        appendPoints(points)
        output += "\"/>\n"
    }

    mutating func polygon(_ points: [(Double, Double)], fill: String, opacity: Double, cssClass: String) {
        guard points.count >= 3 else { return }
        output += "<polygon class=\"\(cssClass)\" fill=\"\(fill)\" fill-opacity=\"\(Coordinate.text(opacity))\" stroke=\"none\" points=\""
        appendPoints(points)
        output += "\"/>\n"
    }

    private mutating func appendPoints(_ points: [(Double, Double)]) {
        for (index, point) in points.enumerated() {
            if index > 0 { output += " " }
            output += Coordinate.text(point.0) + "," + Coordinate.text(point.1)
        }
    }

    enum TextAnchor: String {
        case start, middle, end
    }

    /// Text whose baseline sits at `y`. `rotation` in degrees about (x, y).
    mutating func text(
        _ content: String, x: Double, y: Double, fontSize: Double, anchor: TextAnchor = .start,
        fill: String = "#262626", bold: Bool = false, italic: Bool = false, rotation: Double = 0,
        cssClass: String? = nil
    ) {
        output += "<text x=\"\(Coordinate.text(x))\" y=\"\(Coordinate.text(y))\" font-size=\"\(Coordinate.text(fontSize))\""
        if anchor != .start { output += " text-anchor=\"\(anchor.rawValue)\"" }
        if fill != "#262626" { output += " fill=\"\(fill)\"" }
        if bold { output += " font-weight=\"bold\"" }
        if italic { output += " font-style=\"italic\"" }
        if rotation != 0 {
            output += " transform=\"rotate(\(Coordinate.text(rotation)) \(Coordinate.text(x)) \(Coordinate.text(y)))\""
        }
        if let cssClass { output += " class=\"\(cssClass)\"" }
        output += ">" + XMLEscaping.escape(content) + "</text>\n"
    }

    /// A marker centred at (x, y); `size` is its diameter in pixels.
    mutating func marker(_ shape: MarkerShape, x: Double, y: Double, size: Double, fill: String, opacity: Double = 1, cssClass: String) {
        let radius = size / 2
        let opacityAttribute = opacity < 1 ? " fill-opacity=\"\(Coordinate.text(opacity))\"" : ""
        switch shape {
        case .none:
            return
        case .circle:
            output += "<circle class=\"\(cssClass)\" cx=\"\(Coordinate.text(x))\" cy=\"\(Coordinate.text(y))\" r=\"\(Coordinate.text(radius))\" fill=\"\(fill)\"\(opacityAttribute)/>\n"
        case .square:
            output += "<rect class=\"\(cssClass)\" x=\"\(Coordinate.text(x - radius))\" y=\"\(Coordinate.text(y - radius))\" width=\"\(Coordinate.text(size))\" height=\"\(Coordinate.text(size))\" fill=\"\(fill)\"\(opacityAttribute)/>\n"
        case .triangle:
            let points = [(x, y - radius * 1.15), (x + radius * 1.1, y + radius * 0.8), (x - radius * 1.1, y + radius * 0.8)]
            polygonMarker(points, fill: fill, opacityAttribute: opacityAttribute, cssClass: cssClass)
        case .diamond:
            let r = radius * 1.2
            let points = [(x, y - r), (x + r, y), (x, y + r), (x - r, y)]
            polygonMarker(points, fill: fill, opacityAttribute: opacityAttribute, cssClass: cssClass)
        case .cross:
            let r = radius
            output += "<path class=\"\(cssClass)\" d=\"M\(Coordinate.text(x - r)),\(Coordinate.text(y - r))L\(Coordinate.text(x + r)),\(Coordinate.text(y + r))M\(Coordinate.text(x - r)),\(Coordinate.text(y + r))L\(Coordinate.text(x + r)),\(Coordinate.text(y - r))\" stroke=\"\(fill)\" stroke-width=\"1.5\" fill=\"none\"/>\n"
        }
    }

    private mutating func polygonMarker(_ points: [(Double, Double)], fill: String, opacityAttribute: String, cssClass: String) {
        output += "<polygon class=\"\(cssClass)\" fill=\"\(fill)\"\(opacityAttribute) points=\""
        appendPoints(points)
        output += "\"/>\n"
    }

    /// Wraps `body` in an `<svg>` element. The outermost one carries the namespace,
    /// white background and font; nested ones (figure grids) are placed at (x, y).
    static func document(body: String, width: Double, height: Double, nestedAt origin: (Double, Double)? = nil) -> String {
        let size = "width=\"\(Coordinate.text(width))\" height=\"\(Coordinate.text(height))\" viewBox=\"0 0 \(Coordinate.text(width)) \(Coordinate.text(height))\""
        if let origin {
            return "<svg x=\"\(Coordinate.text(origin.0))\" y=\"\(Coordinate.text(origin.1))\" \(size)>\n" + body + "</svg>\n"
        }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" \(size) font-family=\"\(TextMetrics.fontFamily)\">\n"
            + "<rect x=\"0\" y=\"0\" width=\"\(Coordinate.text(width))\" height=\"\(Coordinate.text(height))\" fill=\"#ffffff\"/>\n"
            + body + "</svg>\n"
    }

    /// A short id derived from content, so that several SVGs inlined in one notebook page
    /// do not share clip-path ids unless their content (and so the clip) is identical.
    static func contentID(prefix: String, _ content: String) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in content.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01B3
        }
        let digits: [Character] = Array("0123456789abcdef")
        var text = prefix
        for shift in stride(from: 60, through: 0, by: -4) { text.append(digits[Int((hash >> UInt64(shift)) & 0xF)]) }
        return text
    }
}
