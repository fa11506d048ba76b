import Foundation

/// How an axis maps data to position.
public enum AxisScale: String, Sendable, Equatable, CaseIterable {
    case linear
    /// Base-10 logarithmic; non-positive values cannot be shown and are skipped.
    case log
}

/// A labelled tick mark.
public struct AxisTick: Sendable, Equatable {
    public var value: Double
    public var label: String
}

/// Tick positions and labels, in the style of matplotlib's default locators:
/// linear ticks at 1, 2, 2.5 or 5 × 10ⁿ steps; log ticks at powers of ten with
/// minor ticks at 2…9 × 10ⁿ.
public enum AxisTicks {
    /// "Nice" linear ticks inside [lower, upper], about `targetCount` of them (never more
    /// than `targetCount + 2`), labelled with as few decimals as keep them exact.
    public static func linear(lower: Double, upper: Double, targetCount: Int = 6) -> [AxisTick] {
        guard lower.isFinite, upper.isFinite, upper > lower else {
            return lower.isFinite ? [AxisTick(value: lower, label: linearLabels([lower], step: 1)[0])] : []
        }
        let step = niceStep(lower: lower, upper: upper, targetCount: max(2, targetCount))
        let first = (lower / step - 1e-9).rounded(.up)
        let last = (upper / step + 1e-9).rounded(.down)
        guard first <= last, last - first < 1000 else { return [] }
        var values: [Double] = []
        var index = first
        while index <= last {
            // Multiplying the integer index avoids the drift of repeated addition.
            var value = index * step
            if value.magnitude < step * 1e-9 { value = 0 }
            values.append(value)
            index += 1
        }
        let labels = linearLabels(values, step: step)
        return zip(values, labels).map { AxisTick(value: $0, label: $1) }
    }

    /// The smallest step of the form 1, 2, 2.5 or 5 × 10ⁿ that puts at most
    /// `targetCount + 1` ticks inside [lower, upper] (the densest step that is not crowded).
    static func niceStep(lower: Double, upper: Double, targetCount: Int) -> Double {
        let raw = (upper - lower) / Double(targetCount)
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        for scale in [0.1, 1.0, 10.0] {
            for multiplier in [1.0, 2.0, 2.5, 5.0] {
                let step = multiplier * magnitude * scale
                let count = (upper / step + 1e-9).rounded(.down) - (lower / step - 1e-9).rounded(.up) + 1
                if count <= Double(targetCount + 1) { return step }
            }
        }
        return 100 * magnitude
    }

    /// Labels for evenly spaced values: plain decimals ("0.5", "−2", "250") for moderate
    /// magnitudes, scientific ("1e+04", "2.5e-05") for very large or very small ones.
    /// Uses a true minus sign (U+2212), as matplotlib does.
    static func linearLabels(_ values: [Double], step: Double) -> [String] {
        let largest = values.map(\.magnitude).max() ?? 0
        let useScientific = largest >= 1e5 || (largest > 0 && largest < 1e-3)
        let tolerance = step.magnitude * 1e-6
        for digits in 0...12 {
            let labels = values.map { value -> String in
                useScientific && value == 0 ? "0" : useScientific
                    ? NumberFormat.scientific(value, fractionDigits: digits, trimZeros: false, minus: "−")
                    : NumberFormat.fixed(value, fractionDigits: digits, minus: "−")
            }
            let exact = zip(values, labels).allSatisfy { value, label in
                guard let parsed = Double(label.replacingOccurrences(of: "−", with: "-")) else { return false }
                return (parsed - value).magnitude <= tolerance
            }
            if exact { return labels }
        }
        return values.map { NumberFormat.general($0, significantDigits: 6, minus: "−") }
    }

    /// Log ticks for [lower, upper] (both > 0). Majors at powers of ten labelled "10ⁿ";
    /// minors at 2…9 × 10ⁿ. When fewer than two powers of ten fall inside, the 2× and
    /// 5× ticks are labelled too (as plain numbers), and for ranges under half a decade
    /// linear ticks are used on the log scale, so an axis always has readable labels.
    public static func log(lower: Double, upper: Double, targetCount: Int = 6) -> (major: [AxisTick], minor: [Double]) {
        guard lower > 0, upper > lower, lower.isFinite, upper.isFinite else {
            return ([], [])
        }
        let logLower = log10(lower)
        let logUpper = log10(upper)
        let decades = logUpper - logLower
        let tolerance = 1e-9
        let firstExponent = Int((logLower - tolerance).rounded(.up))
        let lastExponent = Int((logUpper + tolerance).rounded(.down))
        let powersInside = lastExponent - firstExponent + 1

        if decades < 0.5 {
            let ticks = linear(lower: lower, upper: upper, targetCount: max(3, targetCount - 2))
                .filter { $0.value > 0 }
            return (ticks, [])
        }
        if powersInside >= 2 {
            let stride = max(1, Int((Double(powersInside) / Double(max(2, targetCount + 1))).rounded(.up)))
            var major: [AxisTick] = []
            var exponent = firstExponent
            // Keep multiples of the stride so ticks sit at 10⁰, 10³, ... rather than at odd offsets.
            while exponent % stride != 0 { exponent += 1 }
            while exponent <= lastExponent {
                major.append(AxisTick(value: pow(10, Double(exponent)), label: NumberFormat.powerOfTen(exponent)))
                exponent += stride
            }
            var minor: [Double] = []
            if stride == 1 {
                for decade in (firstExponent - 1)...lastExponent {
                    for multiplier in 2...9 {
                        let value = Double(multiplier) * pow(10, Double(decade))
                        if value >= lower * (1 - tolerance) && value <= upper * (1 + tolerance) { minor.append(value) }
                    }
                }
            } else {
                // Many decades per major tick: unlabelled minor ticks at the skipped powers of ten.
                for exponent in firstExponent...lastExponent where !major.contains(where: {
                    $0.value == pow(10, Double(exponent))
                }) {
                    minor.append(pow(10, Double(exponent)))
                }
            }
            return (major, minor)
        }
        // Under two powers of ten: label 1, 2 and 5 × 10ⁿ; the rest are minor.
        var major: [AxisTick] = []
        var minor: [Double] = []
        let labelled: Set<Int> = decades < 1.0 ? [1, 2, 3, 4, 5, 6, 7, 8, 9] : [1, 2, 5]
        let firstDecade = Int(logLower.rounded(.down))
        let lastDecade = Int(logUpper.rounded(.down))
        for decade in firstDecade...lastDecade {
            for multiplier in 1...9 {
                let value = Double(multiplier) * pow(10, Double(decade))
                guard value >= lower * (1 - tolerance), value <= upper * (1 + tolerance) else { continue }
                if labelled.contains(multiplier) {
                    major.append(AxisTick(value: value, label: NumberFormat.general(value, significantDigits: 3, minus: "−")))
                } else {
                    minor.append(value)
                }
            }
        }
        return (major, minor)
    }
}

/// A resolved axis: its range, scale and ticks, mapping data values to [0, 1].
struct ResolvedAxis {
    var scale: AxisScale
    var lower: Double
    var upper: Double
    var major: [AxisTick]
    var minor: [Double]

    /// Position of `value` along the axis as a fraction (0 at `lower`, 1 at `upper`),
    /// or nil when the value cannot be shown (non-finite, or non-positive on a log axis).
    func fraction(_ value: Double) -> Double? {
        guard value.isFinite else { return nil }
        switch scale {
        case .linear:
            return (value - lower) / (upper - lower)
        case .log:
            guard value > 0 else { return nil }
            return (Foundation.log10(value) - Foundation.log10(lower)) / (Foundation.log10(upper) - Foundation.log10(lower))
        }
    }

    /// Builds the axis over an explicit or automatic range. `values` are the data the
    /// axis must show; `padding` is the margin added on each side of the data, as a
    /// fraction of its span (in log space for log axes), as matplotlib's 5% margins.
    static func make(
        scale: AxisScale, values: [Double], explicitRange: ClosedRange<Double>?,
        padding: Double, targetTickCount: Int
    ) -> ResolvedAxis {
        var lower: Double
        var upper: Double
        if let range = explicitRange, range.lowerBound.isFinite, range.upperBound.isFinite,
           range.upperBound > range.lowerBound, scale == .linear || range.lowerBound > 0 {
            lower = range.lowerBound
            upper = range.upperBound
        } else {
            (lower, upper) = automaticRange(scale: scale, values: values, padding: padding)
        }
        switch scale {
        case .linear:
            let ticks = AxisTicks.linear(lower: lower, upper: upper, targetCount: targetTickCount)
            return ResolvedAxis(scale: scale, lower: lower, upper: upper, major: ticks, minor: [])
        case .log:
            let ticks = AxisTicks.log(lower: lower, upper: upper, targetCount: targetTickCount)
            return ResolvedAxis(scale: scale, lower: lower, upper: upper, major: ticks.major, minor: ticks.minor)
        }
    }

    /// The data range with padding; sensible defaults when there are no usable values
    /// or all values are equal.
    static func automaticRange(scale: AxisScale, values: [Double], padding: Double) -> (Double, Double) {
        var low = Double.infinity
        var high = -Double.infinity
        for value in values where value.isFinite && (scale == .linear || value > 0) {
            low = min(low, value)
            high = max(high, value)
        }
        switch scale {
        case .linear:
            if low > high { return (0, 1) }
            if low == high {
                let half = low == 0 ? 1 : low.magnitude * 0.1
                return (low - half, high + half)
            }
            let margin = (high - low) * padding
            return (low - margin, high + margin)
        case .log:
            if low > high { return (0.1, 10) }
            var logLow = Foundation.log10(low)
            var logHigh = Foundation.log10(high)
            if logLow == logHigh {
                logLow -= 0.5
                logHigh += 0.5
            } else {
                let margin = (logHigh - logLow) * padding
                logLow -= margin
                logHigh += margin
            }
            return (pow(10, logLow), pow(10, logHigh))
        }
    }
}
