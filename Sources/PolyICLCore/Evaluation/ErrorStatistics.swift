/// Mean, median and bootstrap interval of per-prompt errors at each position.
public struct PositionStatistics: Sendable, Equatable {
    public var mean: [Double]
    public var median: [Double]
    /// Bootstrap 5th percentile of the mean.
    public var lower: [Double]
    /// Bootstrap 95th percentile of the mean.
    public var upper: [Double]
}

/// Statistics of squared errors over prompts, as Garg et al.'s `aggregate_metrics`:
/// B resamples of the prompts with replacement, the mean of each resample, and the
/// resampled means at sorted index floor(0.05 B) and floor(0.95 B) (50 and 950 for B = 1000).
public enum ErrorStatistics {
    /// Summarises error tables that share their prompts (each [samples, positions],
    /// row-major). All tables and positions use the same resample indices, so intervals
    /// of different predictors are paired. Draws: for each resample b in order, `samples`
    /// draws of `nextInt(below: samples)`.
    public static func summarize(
        _ tables: [[Double]], samples: Int, positions: Int, resamples: Int = 1000,
        using generator: inout RandomGenerator
    ) -> [PositionStatistics] {
        precondition(samples > 0 && positions > 0 && resamples > 0)
        precondition(tables.allSatisfy { $0.count == samples * positions })
        var results = tables.map { table -> PositionStatistics in
            var mean = [Double](repeating: 0, count: positions)
            for s in 0..<samples { for p in 0..<positions { mean[p] += table[s * positions + p] } }
            for p in 0..<positions { mean[p] /= Double(samples) }
            var median = [Double](repeating: 0, count: positions)
            var column = [Double](repeating: 0, count: samples)
            for p in 0..<positions {
                for s in 0..<samples { column[s] = table[s * positions + p] }
                median[p] = medianOf(&column)
            }
            return PositionStatistics(mean: mean, median: median, lower: [], upper: [])
        }
        // resampledMeans[t][p * resamples + b]
        var resampledMeans = [[Double]](repeating: [Double](repeating: 0, count: positions * resamples), count: tables.count)
        var sums = [Double](repeating: 0, count: positions)
        var indices = [Int](repeating: 0, count: samples)
        for b in 0..<resamples {
            for s in 0..<samples { indices[s] = generator.nextInt(below: samples) }
            for (t, table) in tables.enumerated() {
                for p in 0..<positions { sums[p] = 0 }
                table.withUnsafeBufferPointer { rows in
                    for s in indices {
                        let row = s * positions
                        for p in 0..<positions { sums[p] += rows[row + p] }
                    }
                }
                for p in 0..<positions { resampledMeans[t][p * resamples + b] = sums[p] / Double(samples) }
            }
        }
        let lowIndex = min(resamples - 1, resamples * 5 / 100)
        let highIndex = min(resamples - 1, resamples * 95 / 100)
        for t in tables.indices {
            var lower = [Double](repeating: 0, count: positions), upper = lower
            for p in 0..<positions {
                let sorted = resampledMeans[t][(p * resamples)..<((p + 1) * resamples)].sorted()
                lower[p] = sorted[lowIndex]
                upper[p] = sorted[highIndex]
            }
            results[t].lower = lower
            results[t].upper = upper
        }
        return results
    }

    /// The resample indices `summarize` draws from `generator` ([resamples, samples]);
    /// for checking the bootstrap against an independent computation.
    public static func resampleIndices(samples: Int, resamples: Int, using generator: inout RandomGenerator) -> [Int] {
        var indices: [Int] = []
        indices.reserveCapacity(samples * resamples)
        for _ in 0..<(samples * resamples) { indices.append(generator.nextInt(below: samples)) }
        return indices
    }

    /// Median as NumPy defines it (mean of the two middle values for an even count).
    /// Reorders `values`.
    static func medianOf(_ values: inout [Double]) -> Double {
        values.sort()
        let n = values.count
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2
    }
}
