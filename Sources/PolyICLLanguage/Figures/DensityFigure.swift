import PolyICLCore
import PolyICLRender

/// The paper's Figure 1: the joint density of (x, y) over many prompts of a task, as a
/// 2-D histogram normalised so that it integrates to 1.
enum DensityFigure {
    static func histogram(source: any PromptSource, prompts: Int, points: Int, bins: Int, seed: UInt64,
                          isCancelled: () -> Bool) throws -> (values: [[Double]], xRange: ClosedRange<Double>, yRange: ClosedRange<Double>) {
        var generator = RandomGenerator(seed: seed)
        var xs: [Float] = []
        var ys: [Float] = []
        xs.reserveCapacity(prompts * points)
        ys.reserveCapacity(prompts * points)
        let chunk = 1000
        var done = 0
        var batch = PromptBatch(count: min(chunk, prompts), points: points)
        while done < prompts {
            if isCancelled() { throw CommandFailure.interrupted("density stopped after \(done) of \(prompts) prompts") }
            let count = min(chunk, prompts - done)
            batch.reshape(count: count, points: points)
            source.fill(&batch, using: &generator)
            xs += batch.xs
            ys += batch.ys
            done += count
        }
        let xLow = Double(xs.min() ?? -1), xHigh = Double(xs.max() ?? 1)
        // y range: the central 98% of the values, symmetric about 0, so the tails do not
        // squash the picture.
        let sorted = ys.map { abs(Double($0)) }.sorted()
        let limit = max(sorted.isEmpty ? 1 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.98))], 1e-6)
        var counts = [[Double]](repeating: [Double](repeating: 0, count: bins), count: bins)
        let xSpan = max(xHigh - xLow, 1e-9), ySpan = 2 * limit
        for (x, y) in zip(xs, ys) {
            let column = min(bins - 1, Int((Double(x) - xLow) / xSpan * Double(bins)))
            let rowValue = (Double(y) + limit) / ySpan * Double(bins)
            guard rowValue >= 0, rowValue < Double(bins) else { continue }
            counts[Int(rowValue)][max(0, column)] += 1
        }
        let cellArea = (xSpan / Double(bins)) * (ySpan / Double(bins))
        let total = Double(xs.count)
        let density = counts.map { row in row.map { $0 / (total * cellArea) } }
        return (density, xLow...xHigh, -limit...limit)
    }
}
