/// The processes of a data-parallel run (MPI ranks, for example), seen by the trainer.
///
/// Every process draws the same global batch from the same generator, computes the gradient
/// of its own contiguous share of the prompts (``share(of:)``), and the shares' gradients,
/// each weighted by its share of the batch, are summed across processes, so every process
/// applies the same update to the same weights. The batch, its prompts and the schedule do
/// not depend on the number of processes: N processes train the same run as one, up to the
/// order of floating-point sums.
public protocol DataParallelGroup: AnyObject {
    /// This process's index, 0 ..< size.
    var rank: Int { get }
    /// Number of processes.
    var size: Int { get }
    /// Replaces `values` on every process by the elementwise sum of every process's `values`.
    func sum(_ values: UnsafeMutableBufferPointer<Float>) throws
}

extension DataParallelGroup {
    /// The prompts of a batch of `count` this process trains on: contiguous, nearly equal
    /// shares in rank order.
    public func share(of count: Int) -> Range<Int> {
        let base = count / size, extra = count % size
        let start = rank * base + min(rank, extra)
        return start..<(start + base + (rank < extra ? 1 : 0))
    }
}

extension PromptBatch {
    /// Makes this batch the prompts `range` of `batch` (reusing storage when it can).
    public mutating func copyPrompts(_ range: Range<Int>, of batch: PromptBatch) {
        inputDimension = batch.inputDimension
        reshape(count: range.count, points: batch.points)
        let xWidth = batch.points * batch.inputDimension
        xs.replaceSubrange(0..<xs.count, with: batch.xs[(range.lowerBound * xWidth)..<(range.upperBound * xWidth)])
        ys.replaceSubrange(0..<ys.count, with: batch.ys[(range.lowerBound * batch.points)..<(range.upperBound * batch.points)])
    }
}
