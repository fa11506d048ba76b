import PolyICLRender

/// Numbers and durations as progress lines and summaries show them (without Foundation's
/// formatters, which are slow on Linux).
enum TextFormat {
    /// 1211009 -> "1,211,009".
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (value < 0 ? "-" : "") + out
    }

    /// Seconds as "42 s", "3 min 05 s", "1 h 02 min".
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let s = Int(seconds.rounded())
        if s < 60 { return seconds < 10 ? NumberFormat.fixed(seconds, fractionDigits: 1) + " s" : "\(s) s" }
        if s < 3600 { return "\(s / 60) min \(pad(s % 60)) s" }
        return "\(s / 3600) h \(pad(s / 60 % 60)) min"
    }

    static func number(_ value: Double, digits: Int = 4) -> String { NumberFormat.general(value, significantDigits: digits) }

    private static func pad(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
}
