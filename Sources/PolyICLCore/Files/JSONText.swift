/// JSON text written by hand, for the few small documents the core and the rendering layer
/// write (safetensors headers, table exports), where a Codable round trip would lose key order.
public enum JSONText {
    /// `text` as a JSON string literal, with RFC 8259's escapes (quote, backslash, and the
    /// control characters below U+0020); every other character is written as itself (UTF-8).
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
