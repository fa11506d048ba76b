/// Escaping of text for XML/SVG/HTML content and attribute values.
public enum XMLEscaping {
    /// Replaces &, <, >, " and ' by entities, so the result is safe both in element
    /// content and inside quoted attributes. Control characters that XML 1.0 forbids
    /// become U+FFFD instead of making the document unparsable.
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default:
                if scalar.value < 0x20 && scalar != "\t" && scalar != "\n" && scalar != "\r" {
                    result += "\u{FFFD}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }
}
