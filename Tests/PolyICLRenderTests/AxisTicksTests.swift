import Foundation
import Testing
@testable import PolyICLRender

@Suite("Axis ticks")
struct AxisTicksTests {
    @Test("linear ticks on [0, 1] step by 0.2 with one decimal")
    func unitInterval() {
        let ticks = AxisTicks.linear(lower: 0, upper: 1, targetCount: 5)
        #expect(ticks.map(\.label) == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        for (tick, expected) in zip(ticks, [0, 0.2, 0.4, 0.6, 0.8, 1.0]) {
            #expect(abs(tick.value - expected) < 1e-12)
        }
    }

    @Test("linear ticks around zero use a true minus sign and stay inside the range")
    func symmetricRange() {
        let ticks = AxisTicks.linear(lower: -1.1, upper: 1.1, targetCount: 4)
        #expect(ticks.map(\.label) == ["−1.0", "−0.5", "0.0", "0.5", "1.0"])
        let counts = AxisTicks.linear(lower: 0.05, upper: 20.95, targetCount: 3)
        #expect(counts.map(\.label) == ["5", "10", "15", "20"])
        let awkward = AxisTicks.linear(lower: 3.7, upper: 1234.5, targetCount: 6)
        #expect(awkward.allSatisfy { $0.value >= 3.7 && $0.value <= 1234.5 })
        #expect(awkward.map(\.label) == ["200", "400", "600", "800", "1000", "1200"])
    }

    @Test("large and tiny magnitudes get scientific labels that stay distinct")
    func scientificLabels() {
        let large = AxisTicks.linear(lower: 0, upper: 200_000, targetCount: 4)
        #expect(large.map(\.label) == ["0", "5.0e+04", "1.0e+05", "1.5e+05", "2.0e+05"])
        let tiny = AxisTicks.linear(lower: 0, upper: 0.0004, targetCount: 4)
        #expect(tiny.map(\.label) == ["0", "1e-04", "2e-04", "3e-04", "4e-04"])
    }

    @Test("log ticks are the powers of ten inside the range, minors at 2…9 × 10ⁿ")
    func logDecades() {
        let ticks = AxisTicks.log(lower: 0.001, upper: 100)
        #expect(ticks.major.map(\.value) == [1e-3, 1e-2, 1e-1, 1, 10, 100])
        #expect(ticks.major.map(\.label) == ["10⁻³", "10⁻²", "10⁻¹", "10⁰", "10¹", "10²"])
        #expect(ticks.minor.count == 5 * 8)
        #expect(ticks.minor.contains { abs($0 - 0.002) < 1e-15 })
        #expect(ticks.minor.contains { abs($0 - 90) < 1e-9 })

        let partial = AxisTicks.log(lower: 0.0035, upper: 0.75)
        #expect(partial.major.map(\.label) == ["10⁻²", "10⁻¹"])
        #expect(partial.minor.allSatisfy { $0 >= 0.0035 && $0 <= 0.75 })
    }

    @Test("many decades thin the labelled powers of ten")
    func manyDecades() {
        let ticks = AxisTicks.log(lower: 1e-12, upper: 1e12, targetCount: 6)
        #expect(ticks.major.count <= 8)
        #expect(ticks.major.count >= 3)
        for tick in ticks.major {
            let exponent = log10(tick.value)
            #expect(exponent == exponent.rounded())
        }
    }

    @Test("under one decade the 1–9 multiples are labelled as plain numbers")
    func narrowLogRange() {
        let ticks = AxisTicks.log(lower: 0.15, upper: 0.95)
        #expect(ticks.major.map(\.label) == ["0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9"])
        let wider = AxisTicks.log(lower: 0.15, upper: 8)
        #expect(wider.major.map(\.label) == ["0.2", "0.5", "1", "2", "5"])
    }

    @Test("automatic ranges pad by 5%, skip non-finite values and non-positive values on log axes")
    func automaticRanges() {
        let linear = ResolvedAxis.automaticRange(scale: .linear, values: [0, 10, .nan, .infinity], padding: 0.05)
        #expect(linear.0 == -0.5 && linear.1 == 10.5)
        let log = ResolvedAxis.automaticRange(scale: .log, values: [-1, 0, 1, 100], padding: 0.05)
        #expect(abs(log.0 - pow(10, -0.1)) < 1e-12 && abs(log.1 - pow(10, 2.1)) < 1e-9)
        let empty = ResolvedAxis.automaticRange(scale: .log, values: [0, -3, .nan], padding: 0.05)
        #expect(empty.0 == 0.1 && empty.1 == 10)
        let single = ResolvedAxis.automaticRange(scale: .linear, values: [5], padding: 0.05)
        #expect(single.0 == 4.5 && single.1 == 5.5)
    }
}
