import Testing
@testable import PolyICLLanguage

/// SplitMix64: a small seeded generator, so a failing case can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct FuzzTests {
    /// Pieces that make interesting damage: brackets, quotes, escapes, ranges, keys, Unicode.
    static let fragments: [String] = [
        "[", "]", "(", ")", "\"", "'", "\\", "\\u{", "}", "=", "==", "..", "...", ".", ",", "#", "\n", "\t", " ",
        "-", "1e", "1e-", "-0", "9999999999999999999999", "0.5", "_", "é", "👍🏽", "\u{0}", "\r\n",
        "train", "print", "x", "base", "poly", "steps=", "lr=", "on=", "[lstsq, ridge(0.2)]", "ridge(", "true", "off",
        "help", "list", "delete", "task", "chebyshev", "degree=0..11", "model", "preset=", "h.0", "a..b",
        "*", "/", "+", "x*2", "x-1", "-x", "/0", "(x+1)",
    ]

    /// Valid lines to mutate (no sleeps or long progress: the fuzz runs what it generates).
    static let seeds: [String] = CommandRegistry.standard.commands
        .filter { !["sleep", "progress"].contains($0.name) }
        .flatMap(\.examples)
        // The fuzz runs what it makes: keep models tiny and runs short.
        .map { $0.replacingOccurrences(of: "steps=20000", with: "steps=2").replacingOccurrences(of: "steps=1000", with: "steps=2")
            .replacingOccurrences(of: "steps=500", with: "steps=2").replacingOccurrences(of: "samples=1280", with: "samples=4")
            .replacingOccurrences(of: "preset=standard", with: "preset=tiny").replacingOccurrences(of: "preset=small", with: "preset=tiny")
            .replacingOccurrences(of: "points=31", with: "points=4") } + ["x = 3", "x", "42", "print \"hello, world\" stream=stderr", "display \"<b>hi</b>\"", "clear", "help print", "progress 2 delay=0"]

    static func mutate(_ text: String, _ g: inout SeededGenerator) -> String {
        var scalars = Array(text.unicodeScalars)
        for _ in 0..<Int.random(in: 1...4, using: &g) {
            switch Int.random(in: 0..<5, using: &g) {
            case 0 where !scalars.isEmpty:
                let a = Int.random(in: 0..<scalars.count, using: &g)
                let b = min(scalars.count, a + Int.random(in: 1...6, using: &g))
                scalars.removeSubrange(a..<b)
            case 1, 2:
                let at = Int.random(in: 0...scalars.count, using: &g)
                scalars.insert(contentsOf: fragments.randomElement(using: &g)!.unicodeScalars, at: at)
            case 3:
                let at = Int.random(in: 0...scalars.count, using: &g)
                scalars.insert(contentsOf: seeds.randomElement(using: &g)!.unicodeScalars + ["\n"], at: at)
            default:
                if !scalars.isEmpty { scalars.removeLast(Int.random(in: 0...min(3, scalars.count), using: &g)) }
            }
        }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    static let diagnosticNames = Set([
        "SyntaxError", "UnknownCommand", "UnknownKey", "UnknownName", "WrongKind", "WrongType", "OutOfRange",
        "MissingArgument", "DuplicateArgument", "UnexpectedArgument", "InvalidValue", "FileNotFound", "NoValue", "ReservedName",
        "DivisionByZero",
    ])

    @Test func randomAndMutatedCellsNeverCrashAndErrorsAreLocated() throws {
        var g = SeededGenerator(state: 20_261_123)
        var errors = 0, oks = 0
        for iteration in 0..<4000 {
            var cell = Self.mutate(Self.seeds.randomElement(using: &g)!, &g)
            if iteration % 5 == 0 {
                // Pure noise as well as damaged commands.
                cell = (0..<Int.random(in: 0...30, using: &g)).map { _ in Self.fragments.randomElement(using: &g)! }.joined()
            }
            let interpreter = try fixtureInterpreter()
            let lineCount = cell.unicodeScalars.filter { $0 == "\n" }.count + 1
            let (outcome, _) = interpreter.run(cell)
            switch outcome {
            case .ok:
                oks += 1
            case .error(let error):
                errors += 1
                #expect(!error.name.isEmpty && !error.message.isEmpty, "\(cell.debugDescription)")
                let head = error.traceback.first ?? ""
                // "Name at line L, column C: ..." with L inside the cell.
                let located = head.hasPrefix("\(error.name) at line ")
                #expect(located, "unlocated error for \(cell.debugDescription): \(error)")
                if located, let line = Int(head.dropFirst("\(error.name) at line ".count).prefix { $0.isNumber }) {
                    #expect(line >= 1 && line <= lineCount + 1, "\(cell.debugDescription): \(head)")
                }
                if Self.diagnosticNames.contains(error.name) { #expect(error.traceback.count >= 3, "no source line and caret: \(error)") }
            }
            let length = cell.unicodeScalars.count
            let cursor = Int.random(in: 0...length + 2, using: &g)
            _ = interpreter.complete(cell, cursor: cursor)
            _ = interpreter.inspect(cell, cursor: cursor)
            _ = interpreter.isComplete(cell)
        }
        #expect(oks > 100 && errors > 1000, "the fuzz should hit both outcomes: \(oks) ok, \(errors) errors")
    }
}
