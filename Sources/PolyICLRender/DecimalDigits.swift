/// A finite Double as decimal digits: value = sign × 0.d₁d₂d₃… × 10^exponent.
///
/// Built from Swift's shortest round-trip description rather than from
/// Foundation's `String(format:)`, which is slow on Linux. Rounding works on these
/// shortest digits (half away from zero), so 0.125 rounds to 0.13 as a person expects.
struct DecimalDigits: Equatable {
    var isNegative: Bool
    /// Digits 0...9 without leading or trailing zeros; empty for zero.
    var digits: [UInt8]
    var exponent: Int

    var isZero: Bool { digits.isEmpty }

    /// nil for NaN and infinities.
    init?(_ value: Double) {
        guard value.isFinite else { return nil }
        isNegative = value.sign == .minus && value != 0
        digits = []
        exponent = 0
        if value == 0 { return }
        // Swift prints e.g. "123.456", "1e-05", "1.5e+16", "5e-324".
        let text = value.magnitude.description.utf8
        var mantissaDigits: [UInt8] = []
        var digitsBeforePoint = 0
        var seenPoint = false
        var exponentValue = 0
        var exponentNegative = false
        var inExponent = false
        for byte in text {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if inExponent {
                    exponentValue = exponentValue * 10 + Int(byte - UInt8(ascii: "0"))
                } else {
                    mantissaDigits.append(byte - UInt8(ascii: "0"))
                    if !seenPoint { digitsBeforePoint += 1 }
                }
            case UInt8(ascii: "."): seenPoint = true
            case UInt8(ascii: "e"), UInt8(ascii: "E"): inExponent = true
            case UInt8(ascii: "-"): exponentNegative = true
            default: break
            }
        }
        var decimalExponent = digitsBeforePoint + (exponentNegative ? -exponentValue : exponentValue)
        var start = 0
        while start < mantissaDigits.count && mantissaDigits[start] == 0 {
            start += 1
            decimalExponent -= 1
        }
        var end = mantissaDigits.count
        while end > start && mantissaDigits[end - 1] == 0 { end -= 1 }
        digits = Array(mantissaDigits[start..<end])
        exponent = digits.isEmpty ? 0 : decimalExponent
    }

    /// Keeps the first `count` digits, rounding half away from zero.
    func rounded(keepingDigits count: Int) -> DecimalDigits {
        var result = self
        if count >= digits.count { return result }
        if count < 0 {
            result.digits = []
            result.exponent = 0
            return result
        }
        var kept = Array(digits[0..<count])
        var newExponent = exponent
        if digits[count] >= 5 {
            var index = count - 1
            var carry = true
            while carry && index >= 0 {
                if kept[index] == 9 {
                    kept[index] = 0
                    index -= 1
                } else {
                    kept[index] += 1
                    carry = false
                }
            }
            if carry {
                kept.insert(1, at: 0)
                newExponent += 1
            }
        }
        while let last = kept.last, last == 0 { kept.removeLast() }
        result.digits = kept
        result.exponent = kept.isEmpty ? 0 : newExponent
        return result
    }

    func rounded(fractionDigits: Int) -> DecimalDigits {
        rounded(keepingDigits: exponent + fractionDigits)
    }

    func rounded(significantDigits: Int) -> DecimalDigits {
        rounded(keepingDigits: max(1, significantDigits))
    }

    func digit(at index: Int) -> UInt8 {
        index >= 0 && index < digits.count ? digits[index] : 0
    }
}
