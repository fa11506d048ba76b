/// The x rows of a pass over `count` sequences of `positions` rows, each sequence starting
/// with `prefix` soft-prompt rows and then alternating x and y: the rows ln_f and read_out
/// look at. Gathers them into a dense [count * points, width] block and scatters them back.
struct XRows {
    let sequences: Int
    let points: Int
    let positions: Int
    let prefix: Int

    init(count: Int, points: Int, positions: Int, prefix: Int) {
        sequences = count
        self.points = points
        self.positions = positions
        self.prefix = prefix
    }

    /// Number of x rows.
    var count: Int { sequences * points }

    /// The row of the full pass that dense row `index` is.
    @inline(__always)
    func row(_ index: Int) -> Int { (index / points) * positions + prefix + 2 * (index % points) }

    /// dense[index] = full[row(index)] for every x row.
    func gather(_ dense: UnsafeMutablePointer<Float>, from full: UnsafePointer<Float>, width: Int, executor: ParallelExecutor) {
        executor.forEachChunk(count: count, minimumPerWorker: 512) { range, _ in
            for index in range { (dense + index * width).update(from: full + row(index) * width, count: width) }
        }
    }

    /// full[row(index)] = dense[index] for every x row; other rows are left as they are.
    func scatter(_ dense: UnsafePointer<Float>, into full: UnsafeMutablePointer<Float>, width: Int, executor: ParallelExecutor) {
        executor.forEachChunk(count: count, minimumPerWorker: 512) { range, _ in
            for index in range { (full + row(index) * width).update(from: dense + index * width, count: width) }
        }
    }
}
