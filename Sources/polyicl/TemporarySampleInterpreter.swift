import JupyterKernel
#if canImport(Glibc)
import Glibc
#endif

/// TEMPORARY: a tiny interpreter serving the kernel until the command language
/// (PolyICLLanguage) is adapted to `KernelInterpreter`. It implements exactly the sample
/// syntax the kernel's tests use, which the real language implements too:
/// `print "s" [stream=stderr]`, bare literals, `display "<html>"`, `progress N`, `clear`,
/// `help [command]`, `sleep SECONDS`, `name = literal`, bare names. One command per line;
/// `#` starts a comment. Delete this file when the language lands.
final class TemporarySampleInterpreter: KernelInterpreter {
    private var names: [String: SampleValue] = [:]
    private var displayCounter = 0

    static let commandHelp: [(name: String, help: String)] = [
        ("print", "print \"text\" [stream=stdout|stderr]\n    Writes the text and a newline to the cell's output stream."),
        ("display", "display \"<html>\"\n    Shows the HTML (with a plain-text copy)."),
        ("progress", "progress N\n    Shows a progress line and updates it in place N times."),
        ("clear", "clear\n    Clears the cell's output."),
        ("help", "help [command]\n    Shows the help of a command in the pager; without a name, lists the commands."),
        ("sleep", "sleep SECONDS\n    Waits; interruptible (Kernel > Interrupt)."),
    ]

    let kernelInfo = KernelInfo(
        implementation: "polyicl",
        implementationVersion: "0.1.0",
        language: LanguageInfo(name: "polyicl", version: "0.1.0", mimetype: "text/x-polyicl",
                               fileExtension: ".icl", pygmentsLexer: "bash", codemirrorMode: "shell",
                               nbconvertExporter: "script"),
        banner: "PolyICL 0.1.0: in-context learning of polynomials with small transformers (sample interpreter)",
        helpLinks: [HelpLink(text: "PolyICL", url: "https://github.com/polyicl/polyicl")])

    func execute(_ code: String, context: ExecutionContext) -> ExecutionOutcome {
        var result: MIMEBundle? = nil
        for (number, rawLine) in code.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = SampleLexer.stripComment(String(rawLine)).trimmingSpaces()
            if line.isEmpty { continue }
            result = nil
            do {
                result = try run(line, lineNumber: number + 1, context: context)
            } catch {
                return .failure(error)
            }
        }
        return .success(result: result)
    }

    private func run(_ line: String, lineNumber: Int, context: ExecutionContext) throws(ExecutionError) -> MIMEBundle? {
        let tokens: [SampleToken]
        do { tokens = try SampleLexer.tokens(line) } catch {
            throw ExecutionError(name: "SyntaxError", value: "line \(lineNumber): \(error.message)")
        }
        guard let first = tokens.first else { return nil }
        // name = literal
        if tokens.count >= 2, case .word(let name) = first, tokens[1] == .equals {
            guard tokens.count == 3, let value = tokens[2].literal else {
                throw ExecutionError(name: "SyntaxError", value: "line \(lineNumber): expected `\(name) = NUMBER` or `\(name) = \"text\"`")
            }
            names[name] = value
            return nil
        }
        if tokens.count == 1, let value = first.literal { return MIMEBundle(plainText: value.shown) }
        guard case .word(let command) = first else {
            throw ExecutionError(name: "SyntaxError", value: "line \(lineNumber): expected a command")
        }
        let arguments = Array(tokens.dropFirst())
        switch command {
        case "print":
            guard let text = arguments.first?.literal else {
                throw ExecutionError(name: "SyntaxError", value: "line \(lineNumber): print needs a string or number, e.g. print \"hello\"")
            }
            var stream = ExecutionContext.StreamName.stdout
            if arguments.count == 4, arguments[1] == .word("stream"), arguments[2] == .equals,
               case .word(let name) = arguments[3] {
                guard let s = ExecutionContext.StreamName(rawValue: name) else {
                    throw ExecutionError(name: "ValueError", value: "line \(lineNumber): stream=\(name): use stdout or stderr")
                }
                stream = s
            } else if arguments.count != 1 {
                throw ExecutionError(name: "SyntaxError", value: "line \(lineNumber): expected print \"text\" [stream=stderr]")
            }
            context.stream(stream, text.text + "\n")
        case "display":
            guard arguments.count == 1, let html = arguments[0].literal else {
                throw ExecutionError(name: "SyntaxError", value: "line \(lineNumber): expected display \"<html>\"")
            }
            context.display(MIMEBundle(plainText: html.text, [("text/html", .string(html.text))]))
        case "progress":
            guard arguments.count == 1, case .number(let n)? = arguments[0].literal, n >= 0, n <= 10_000 else {
                throw ExecutionError(name: "ValueError", value: "line \(lineNumber): expected progress N with N a count 0...10000")
            }
            displayCounter += 1
            let id = "progress-\(context.executionCount)-\(displayCounter)"
            let steps = Int(n)
            context.display(MIMEBundle(plainText: "progress 0/\(steps)"), displayID: id)
            for i in 1...max(steps, 1) where i <= steps {
                context.updateDisplay(MIMEBundle(plainText: "progress \(i)/\(steps)"), displayID: id)
            }
        case "clear":
            context.clearOutput(wait: false)
        case "help":
            let topic: String? = if case .word(let w)? = arguments.first { w } else { nil }
            let text: String
            if let topic {
                guard let entry = Self.commandHelp.first(where: { $0.name == topic }) else {
                    throw ExecutionError(name: "UnknownCommand", value: "line \(lineNumber): no command named \(topic)")
                }
                text = entry.help
            } else {
                text = "Commands:\n" + Self.commandHelp.map { "  " + $0.name }.joined(separator: "\n")
            }
            context.page(MIMEBundle(plainText: text))
        case "sleep":
            guard arguments.count == 1, case .number(let seconds)? = arguments[0].literal, seconds >= 0 else {
                throw ExecutionError(name: "ValueError", value: "line \(lineNumber): expected sleep SECONDS with SECONDS >= 0")
            }
            var elapsed = 0.0
            while elapsed < seconds {
                if context.isCancelled {
                    throw ExecutionError(name: "Interrupted",
                                         value: "Interrupted at line \(lineNumber) after \(Int(elapsed * 1000)) ms of sleep \(seconds.shownNumber)")
                }
                let step = min(0.005, seconds - elapsed)
                usleep(UInt32(step * 1_000_000))
                elapsed += step
            }
        default:
            if tokens.count == 1, let value = names[command] { return MIMEBundle(plainText: value.shown) }
            throw ExecutionError(name: "UnknownCommand",
                                 value: "line \(lineNumber): \(command) is neither a command (\(Self.commandHelp.map(\.name).joined(separator: ", "))) nor a name in the session")
        }
        return nil
    }

    func complete(_ code: String, cursorPosition: Int) -> CompletionResult {
        let (start, prefix) = wordBefore(code, cursorPosition)
        let candidates = Self.commandHelp.map(\.name) + names.keys.sorted()
        return CompletionResult(matches: candidates.filter { $0.hasPrefix(prefix) && !prefix.isEmpty },
                                cursorStart: start, cursorEnd: cursorPosition)
    }

    func inspect(_ code: String, cursorPosition: Int, detailLevel: Int) -> MIMEBundle? {
        let scalars = Array(code.unicodeScalars)
        var end = min(cursorPosition, scalars.count)
        while end < scalars.count, SampleLexer.isWordScalar(scalars[end]) { end += 1 }
        let (_, word) = wordBefore(code, end)
        guard let entry = Self.commandHelp.first(where: { $0.name == word }) else { return nil }
        return MIMEBundle(plainText: entry.help)
    }

    func isComplete(_ code: String) -> CompletenessStatus {
        var depth = 0
        var inString = false
        var escaped = false
        for ch in code.unicodeScalars {
            if inString {
                if escaped { escaped = false } else if ch == "\\" { escaped = true } else if ch == "\"" { inString = false }
                continue
            }
            switch ch {
            case "\"": inString = true
            case "[", "(": depth += 1
            case "]", ")":
                depth -= 1
                if depth < 0 { return .invalid }
            default: break
            }
        }
        if inString { return .incomplete(indent: "") }
        return depth > 0 ? .incomplete(indent: "  ") : .complete
    }

    /// The start (code points) and text of the identifier ending at `cursor`.
    private func wordBefore(_ code: String, _ cursor: Int) -> (Int, String) {
        let scalars = Array(code.unicodeScalars)
        let end = max(0, min(cursor, scalars.count))
        var start = end
        while start > 0, SampleLexer.isWordScalar(scalars[start - 1]) { start -= 1 }
        var word = String.UnicodeScalarView()
        word.append(contentsOf: scalars[start..<end])
        return (start, String(word))
    }
}

enum SampleValue: Equatable {
    case number(Double)
    case text(String)

    var text: String {
        switch self {
        case .number(let n): return n.shownNumber
        case .text(let s): return s
        }
    }

    /// How a bare value shows as a result: numbers as written, strings quoted.
    var shown: String {
        switch self {
        case .number(let n): return n.shownNumber
        case .text(let s): return "\"" + s + "\""
        }
    }
}

extension Double {
    var shownNumber: String {
        if rounded() == self, abs(self) < 1e15 { return String(Int(self)) }
        return description
    }
}

enum SampleToken: Equatable {
    case word(String)
    case number(Double)
    case string(String)
    case equals

    var literal: SampleValue? {
        switch self {
        case .number(let n): return .number(n)
        case .string(let s): return .text(s)
        default: return nil
        }
    }
}

struct SampleSyntaxError: Error { let message: String }

enum SampleLexer {
    static func isWordScalar(_ s: Unicode.Scalar) -> Bool {
        s == "_" || s.properties.isAlphabetic || ("0"..."9").contains(s)
    }

    /// The line without its `#` comment (a `#` inside a string is text).
    static func stripComment(_ line: String) -> String {
        var inString = false
        var escaped = false
        var out = String.UnicodeScalarView()
        for s in line.unicodeScalars {
            if inString {
                if escaped { escaped = false } else if s == "\\" { escaped = true } else if s == "\"" { inString = false }
            } else if s == "\"" {
                inString = true
            } else if s == "#" {
                break
            }
            out.append(s)
        }
        return String(out)
    }

    static func tokens(_ line: String) throws(SampleSyntaxError) -> [SampleToken] {
        let s = Array(line.unicodeScalars)
        var i = 0
        var tokens: [SampleToken] = []
        while i < s.count {
            let c = s[i]
            if c == " " || c == "\t" || c == "\r" { i += 1; continue }
            if c == "=" { tokens.append(.equals); i += 1; continue }
            if c == "\"" {
                var text = String.UnicodeScalarView()
                i += 1
                var closed = false
                while i < s.count {
                    if s[i] == "\"" { closed = true; i += 1; break }
                    if s[i] == "\\", i + 1 < s.count {
                        i += 1
                        switch s[i] {
                        case "n": text.append("\n")
                        case "t": text.append("\t")
                        default: text.append(s[i])
                        }
                    } else {
                        text.append(s[i])
                    }
                    i += 1
                }
                guard closed else { throw SampleSyntaxError(message: "unterminated string (add a closing \")") }
                tokens.append(.string(String(text)))
                continue
            }
            if ("0"..."9").contains(c) || c == "-" || c == "." {
                var j = i + 1
                while j < s.count, ("0"..."9").contains(s[j]) || s[j] == "." || s[j] == "e" || s[j] == "E"
                        || ((s[j] == "-" || s[j] == "+") && (s[j - 1] == "e" || s[j - 1] == "E")) { j += 1 }
                var text = String.UnicodeScalarView()
                text.append(contentsOf: s[i..<j])
                guard let n = Double(String(text)), n.isFinite else {
                    throw SampleSyntaxError(message: "\(String(text)) is not a number")
                }
                tokens.append(.number(n))
                i = j
                continue
            }
            if isWordScalar(c) {
                var j = i
                while j < s.count, isWordScalar(s[j]) { j += 1 }
                var text = String.UnicodeScalarView()
                text.append(contentsOf: s[i..<j])
                tokens.append(.word(String(text)))
                i = j
                continue
            }
            throw SampleSyntaxError(message: "unexpected character \"\(Character(c))\" at column \(i + 1)")
        }
        return tokens
    }
}

extension String {
    func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while let f = scalars.first, f == " " || f == "\t" || f == "\r" { scalars.removeFirst() }
        while let l = scalars.last, l == " " || l == "\t" || l == "\r" { scalars.removeLast() }
        return String(scalars)
    }
}
