/// "Did you mean" from edit distance.
public enum Suggestions {
    /// Levenshtein distance over Unicode scalars, case-insensitive.
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a.lowercased().unicodeScalars), y = Array(b.lowercased().unicodeScalars)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var previous = Array(0...y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            current[0] = i
            for j in 1...y.count {
                let substitution = previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1)
                current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
            }
            swap(&previous, &current)
        }
        return previous[y.count]
    }

    /// Candidates close to `word`, nearest first: within about a third of its length,
    /// or starting with it.
    public static func closest(to word: String, among candidates: [String], limit: Int = 3) -> [String] {
        let allowed = max(1, (word.count + 2) / 3)
        let scored = candidates.compactMap { candidate -> (String, Int)? in
            let distance = editDistance(word, candidate)
            if distance <= allowed { return (candidate, distance) }
            if word.count >= 2, candidate.lowercased().hasPrefix(word.lowercased()) { return (candidate, allowed) }
            return nil
        }
        return scored.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.prefix(limit).map(\.0)
    }

    /// "did you mean `a` or `b`?", or nil when nothing is close.
    public static func didYouMean(_ word: String, among candidates: [String]) -> String? {
        let close = closest(to: word, among: candidates)
        guard !close.isEmpty else { return nil }
        return "did you mean " + close.map { "`\($0)`" }.joined(separator: " or ") + "?"
    }
}
