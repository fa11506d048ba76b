import Foundation
import ArgumentParser

/// A closed integer range written `5`, `0..11` or `0...11` on the command line
/// (`--degree`, `--curriculum`).
struct IntegerRange: ExpressibleByArgument, CustomStringConvertible, Sendable, Equatable {
    var lower: Int
    var upper: Int

    init(lower: Int, upper: Int) {
        self.lower = lower
        self.upper = upper
    }

    init?(argument: String) {
        let text = argument.trimmingCharacters(in: .whitespaces)
        let separator = text.contains("...") ? "..." : ".."
        let parts = text.components(separatedBy: separator)
        switch parts.count {
        case 1:
            guard let value = Int(parts[0]) else { return nil }
            self.init(lower: value, upper: value)
        case 2:
            guard let lower = Int(parts[0]), let upper = Int(parts[1]), lower <= upper else { return nil }
            self.init(lower: lower, upper: upper)
        default:
            return nil
        }
    }

    var closedRange: ClosedRange<Int> { lower...upper }
    var description: String { lower == upper ? "\(lower)" : "\(lower)..\(upper)" }
    static var defaultValueDescription: String { "a number or a range low..high" }
}

