#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The inputs (and plain-text results) of this kernel process's stored executions,
/// answering history_request's tail, range and search. History lives in memory: one
/// session per process, numbered 1.
struct ExecutionHistory {
    struct Entry {
        let line: Int
        let input: String
        var output: String?
    }

    static let session = 1
    private(set) var entries: [Entry] = []

    mutating func record(line: Int, input: String) {
        entries.append(Entry(line: line, input: input, output: nil))
    }

    mutating func setOutput(line: Int, output: String) {
        if let i = entries.lastIndex(where: { $0.line == line }) { entries[i].output = output }
    }

    func tail(_ n: Int) -> [Entry] {
        Array(entries.suffix(max(0, n)))
    }

    /// Lines start..<stop of `session` (0 or 1 = this one; earlier sessions are not kept).
    func range(session: Int, start: Int, stop: Int?) -> [Entry] {
        guard session == 0 || session == ExecutionHistory.session else { return [] }
        return entries.filter { entry in entry.line >= start && (stop.map { entry.line < $0 } ?? true) }
    }

    /// Inputs matching a glob (fnmatch: * ? [...]), the newest `n` (all when nil); with
    /// `unique`, each distinct input once (its newest occurrence).
    func search(pattern: String, n: Int?, unique: Bool) -> [Entry] {
        var matches = entries.filter { fnmatch(pattern, $0.input, 0) == 0 }
        if unique {
            var seen = Set<String>()
            matches = matches.reversed().filter { seen.insert($0.input).inserted }.reversed()
        }
        if let n { matches = Array(matches.suffix(max(0, n))) }
        return matches
    }
}
