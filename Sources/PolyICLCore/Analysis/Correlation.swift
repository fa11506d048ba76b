/// Correlation coefficients between two samples of equal length.
public enum Correlation {
    /// Pearson's r, computed in two passes about the means. nil when there are fewer than 2
    /// pairs, the lengths differ, a value is not finite, or either sample is constant
    /// (r is undefined there).
    public static func pearson(_ x: [Double], _ y: [Double]) -> Double? {
        guard x.count == y.count, x.count >= 2 else { return nil }
        guard x.allSatisfy(\.isFinite), y.allSatisfy(\.isFinite) else { return nil }
        let n = Double(x.count)
        let meanX = x.reduce(0, +) / n, meanY = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in x.indices {
            let dx = x[i] - meanX, dy = y[i] - meanY
            sxy += dx * dy
            sxx += dx * dx
            syy += dy * dy
        }
        guard sxx > 0, syy > 0 else { return nil }
        // Rounding can push |r| a hair past 1 for perfectly (anti)correlated data.
        return min(1, max(-1, sxy / (sxx.squareRoot() * syy.squareRoot())))
    }

    /// Spearman's rho: Pearson's r of the ranks, tied values sharing the mean of the ranks
    /// they span (as scipy.stats.spearmanr). nil in the same cases as ``pearson(_:_:)``.
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double? {
        guard x.count == y.count, x.count >= 2 else { return nil }
        guard x.allSatisfy(\.isFinite), y.allSatisfy(\.isFinite) else { return nil }
        return pearson(ranks(x), ranks(y))
    }

    /// 1-based ranks, ties given the average of the ranks they occupy ("fractional ranking").
    public static func ranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count, values[order[end]] == values[order[start]] { end += 1 }
            // Positions start..<end hold equal values: ranks start+1 ... end, mean (start+1+end)/2.
            let shared = Double(start + 1 + end) / 2
            for k in start..<end { ranks[order[k]] = shared }
            start = end
        }
        return ranks
    }
}
