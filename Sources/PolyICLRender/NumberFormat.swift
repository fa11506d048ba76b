/// Number-to-text formatting for plots and tables, without Foundation's
/// `String(format:)` (slow on Linux). Non-finite values print as "NaN", "inf", "-inf".
public enum NumberFormat {
    /// Fixed-point with exactly `fractionDigits` digits after the point: 3.14159 → "3.14".
    public static func fixed(_ value: Double, fractionDigits: Int, minus: String = "-") -> String {
        guard let decimal = DecimalDigits(value) else { return nonFinite(value, minus: minus) }
        let digits = max(0, fractionDigits)
        let rounded = decimal.rounded(fractionDigits: digits)
        return writeFixed(rounded, fractionDigits: digits, minus: minus)
    }

    /// Scientific with `fractionDigits` digits in the mantissa: 12345 → "1.23e+04".
    /// With `trimZeros`, trailing zeros of the mantissa go: 20000 → "2e+04".
    public static func scientific(
        _ value: Double, fractionDigits: Int, trimZeros: Bool = false, minus: String = "-"
    ) -> String {
        guard let decimal = DecimalDigits(value) else { return nonFinite(value, minus: minus) }
        let digits = max(0, fractionDigits)
        let rounded = decimal.rounded(significantDigits: digits + 1)
        return writeScientific(rounded, fractionDigits: digits, trimZeros: trimZeros, minus: minus)
    }

    /// Like C's `%g`: `significantDigits` significant digits, scientific when the
    /// exponent is below -4 or at least `significantDigits`, trailing zeros removed.
    /// 0.000123456 → "0.0001235" (4 digits), 1234567 → "1.235e+06", 2.5 → "2.5".
    public static func general(_ value: Double, significantDigits: Int = 6, minus: String = "-") -> String {
        guard let decimal = DecimalDigits(value) else { return nonFinite(value, minus: minus) }
        let significant = max(1, significantDigits)
        let rounded = decimal.rounded(significantDigits: significant)
        if rounded.isZero { return "0" }
        let powerOfTen = rounded.exponent - 1
        if powerOfTen < -4 || powerOfTen >= significant {
            return writeScientific(rounded, fractionDigits: significant - 1, trimZeros: true, minus: minus)
        }
        let fraction = max(0, significant - 1 - powerOfTen)
        return trimFractionZeros(writeFixed(rounded, fractionDigits: fraction, minus: minus))
    }

    /// The shortest text that reads back as exactly the same Double (Swift's own
    /// algorithm), integers without ".0": 0.1 → "0.1", 3 → "3", 1e-7 → "1e-07".
    public static func roundTrip(_ value: Double) -> String {
        guard value.isFinite else { return nonFinite(value, minus: "-") }
        let text = value.description
        if text.hasSuffix(".0") { return String(text.dropLast(2)) }
        return text
    }

    /// An integer-valued Double as an integer (64.0 → "64"); other values as `general`.
    public static func integerOrGeneral(_ value: Double, significantDigits: Int = 6, minus: String = "-") -> String {
        if value.isFinite, value == value.rounded(), value.magnitude < 1e15 {
            let text = String(Int64(value).magnitude)
            return value < 0 ? minus + text : text
        }
        return general(value, significantDigits: significantDigits, minus: minus)
    }

    /// Superscript form of an integer exponent, for labels such as "10⁻²".
    public static func superscript(_ exponent: Int) -> String {
        let superDigits: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
        var result = exponent < 0 ? "⁻" : ""
        for character in String(exponent.magnitude) {
            if let digit = character.wholeNumberValue { result.append(superDigits[digit]) }
        }
        return result
    }

    /// "10ⁿ" with a superscript exponent.
    public static func powerOfTen(_ exponent: Int) -> String {
        "10" + superscript(exponent)
    }

    // MARK: - Writing digits

    private static func nonFinite(_ value: Double, minus: String) -> String {
        if value.isNaN { return "NaN" }
        return value < 0 ? minus + "inf" : "inf"
    }

    private static func digitCharacter(_ digit: UInt8) -> Character {
        Character(Unicode.Scalar(UInt8(ascii: "0") + digit))
    }

    private static func writeFixed(_ decimal: DecimalDigits, fractionDigits: Int, minus: String) -> String {
        var text = ""
        // "-0.00" would mislead; a value that rounds to zero prints without a sign.
        if decimal.isNegative && !decimal.isZero { text += minus }
        if decimal.exponent <= 0 {
            text += "0"
        } else {
            for index in 0..<decimal.exponent { text.append(digitCharacter(decimal.digit(at: index))) }
        }
        if fractionDigits > 0 {
            text += "."
            for offset in 0..<fractionDigits {
                text.append(digitCharacter(decimal.digit(at: decimal.exponent + offset)))
            }
        }
        return text
    }

    private static func writeScientific(
        _ decimal: DecimalDigits, fractionDigits: Int, trimZeros: Bool, minus: String
    ) -> String {
        var text = ""
        if decimal.isNegative && !decimal.isZero { text += minus }
        text.append(digitCharacter(decimal.digit(at: 0)))
        var fraction = ""
        for index in 0..<fractionDigits { fraction.append(digitCharacter(decimal.digit(at: index + 1))) }
        if trimZeros { while fraction.hasSuffix("0") { fraction.removeLast() } }
        if !fraction.isEmpty { text += "." + fraction }
        let powerOfTen = decimal.isZero ? 0 : decimal.exponent - 1
        text += powerOfTen < 0 ? "e-" : "e+"
        let magnitude = String(powerOfTen.magnitude)
        text += magnitude.count < 2 ? "0" + magnitude : magnitude
        return text
    }

    private static func trimFractionZeros(_ text: String) -> String {
        guard text.contains(".") else { return text }
        var result = text
        while result.hasSuffix("0") { result.removeLast() }
        if result.hasSuffix(".") { result.removeLast() }
        return result
    }
}

/// Fast two-decimal coordinates for SVG attributes ("12.5", "-3", "100.25").
enum Coordinate {
    static func text(_ value: Double) -> String {
        let hundredths = (value * 100).rounded()
        guard hundredths.isFinite, hundredths.magnitude < 1e15 else { return "0" }
        let scaled = Int64(hundredths)
        let magnitude = scaled.magnitude
        let whole = magnitude / 100
        let fraction = magnitude % 100
        var text = scaled < 0 ? "-" : ""
        text += String(whole)
        if fraction != 0 {
            if fraction % 10 == 0 {
                text += "." + String(fraction / 10)
            } else {
                text += (fraction < 10 ? ".0" : ".") + String(fraction)
            }
        }
        return text
    }
}
