/// Estimated text widths for layout. SVG has no text measurement before rendering,
/// so margins and legend boxes use DejaVu Sans advance widths (the widest of the
/// common sans-serif fonts that viewers substitute), so that text is never clipped.
enum TextMetrics {
    static let fontFamily = "DejaVu Sans, Helvetica, Arial, sans-serif"

    /// Width in pixels of `text` at `fontSize` pixels.
    static func width(_ text: String, fontSize: Double) -> Double {
        var ems = 0.0
        for scalar in text.unicodeScalars { ems += advance(scalar) }
        return ems * fontSize
    }

    private static func advance(_ scalar: Unicode.Scalar) -> Double {
        switch scalar {
        case "0"..."9": return 0.636
        case ".", ",", ":", ";", " ", "'", "|", "!": return 0.318
        case "i", "j", "l": return 0.278
        case "f", "t", "r": return 0.392
        case "m": return 0.974
        case "w": return 0.818
        case "a"..."z": return 0.61
        case "M", "W": return 0.9
        case "I", "J": return 0.295
        case "A"..."Z": return 0.7
        case "-", "(", ")", "[", "]", "{", "}", "/", "\\": return 0.39
        case "⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹", "⁻": return 0.42
        case "−", "+", "=", "<", ">", "±", "×": return 0.838
        case "_": return 0.5
        default:
            // Wide scripts (CJK and similar) take a full em; other symbols about 0.7.
            return scalar.value >= 0x2E80 ? 1.0 : 0.7
        }
    }
}
