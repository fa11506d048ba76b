/// A batch of prompts, laid out for the model: `xs` is [count, points, inputDimension]
/// and `ys` is [count, points], both row-major.
public struct PromptBatch: Sendable, Equatable {
    public var count: Int
    public var points: Int
    public var inputDimension: Int
    public var xs: [Float]
    public var ys: [Float]

    public init(count: Int, points: Int, inputDimension: Int = 1) {
        self.count = count
        self.points = points
        self.inputDimension = inputDimension
        xs = [Float](repeating: 0, count: count * points * inputDimension)
        ys = [Float](repeating: 0, count: count * points)
    }

    public init(count: Int, points: Int, inputDimension: Int, xs: [Float], ys: [Float]) {
        precondition(xs.count == count * points * inputDimension && ys.count == count * points,
                     "PromptBatch: xs/ys sizes do not match [\(count), \(points), \(inputDimension)]")
        self.count = count
        self.points = points
        self.inputDimension = inputDimension
        self.xs = xs
        self.ys = ys
    }

    /// Resizes in place, reusing storage when it is large enough (no allocation in steady state).
    public mutating func reshape(count: Int, points: Int) {
        self.count = count
        self.points = points
        let nx = count * points * inputDimension, ny = count * points
        if xs.count != nx { xs = [Float](repeating: 0, count: nx) }
        if ys.count != ny { ys = [Float](repeating: 0, count: ny) }
    }
}

/// Anything that fills batches of prompts: a function class, or prompts read from files.
public protocol PromptSource: Sendable {
    /// Width of x in the prompts this source produces.
    var inputDimension: Int { get }
    /// Fills `batch` (its `count` and `points` already set) with fresh prompts.
    func fill(_ batch: inout PromptBatch, using generator: inout RandomGenerator)
}
