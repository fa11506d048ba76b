import Foundation

/// A prompt source that can only fill some batch shapes (prompts read from files have a
/// fixed number of prompts and points). Callers check a shape before filling with it.
public protocol LimitedPromptSource: PromptSource {
    /// Throws an error saying what is wrong when `fill` cannot fill `count` prompts of `points` points.
    func check(count: Int, points: Int) throws
}

/// Prompts read from `xs.npy` and `ys.npy`: xs of shape [prompts, points] or
/// [prompts, points, dims], ys of shape [prompts, points], float32 or float64.
///
/// Batches: when the batch has as many prompts as the file, it is every prompt in file
/// order, so a full-batch gradient step is exact. Otherwise the batch is `count` prompts
/// sampled without replacement by a partial Fisher–Yates shuffle: for slot i in
/// 0..<count, `j = i + nextInt(below: prompts - i)`, swap, take prompt j. A batch with
/// fewer points than the file uses each prompt's first points.
public struct FilePrompts: LimitedPromptSource, CustomStringConvertible {
    public let promptCount: Int
    public let pointCount: Int
    public let inputDimension: Int
    /// Names of the two sources (file paths), for messages.
    public let xsName: String
    public let ysName: String
    private let xs: [Float]
    private let ys: [Float]

    /// Reads both files; throws a ``FileFormatError`` for unreadable files, mismatched
    /// shapes, or values that are NaN or infinite (naming the file, prompt and point).
    public init(xsFile: URL, ysFile: URL) throws {
        try self.init(xs: NumpyFile.read(xsFile), ys: NumpyFile.read(ysFile), xsName: xsFile.path, ysName: ysFile.path)
    }

    public init(xs: NumpyArray, ys: NumpyArray, xsName: String = "xs", ysName: String = "ys") throws {
        func shapeText(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }
        guard xs.shape.count == 2 || xs.shape.count == 3 else {
            throw FileFormatError(file: xsName, problem: "xs has shape \(shapeText(xs.shape)); expected [prompts, points] or [prompts, points, dims]")
        }
        let ysShape = ys.shape.count == 3 && ys.shape[2] == 1 ? Array(ys.shape.prefix(2)) : ys.shape
        guard ysShape.count == 2 else {
            throw FileFormatError(file: ysName, problem: "ys has shape \(shapeText(ys.shape)); expected [prompts, points]")
        }
        guard ysShape[0] == xs.shape[0], ysShape[1] == xs.shape[1] else {
            throw FileFormatError(
                file: ysName,
                problem: "ys has shape \(shapeText(ys.shape)) but xs (\(xsName)) has shape \(shapeText(xs.shape)); expected ys of shape [\(xs.shape[0]), \(xs.shape[1])]")
        }
        let prompts = xs.shape[0], points = xs.shape[1], dims = xs.shape.count == 3 ? xs.shape[2] : 1
        guard prompts > 0, points > 0, dims > 0 else {
            throw FileFormatError(file: xsName, problem: "xs has shape \(shapeText(xs.shape)); it needs at least one prompt, one point and one dimension")
        }
        for (array, name, width) in [(xs, xsName, dims), (ys, ysName, 1)] {
            if let bad = array.values.firstIndex(where: { !$0.isFinite }) {
                let prompt = bad / (points * width), point = bad / width % points
                throw FileFormatError(
                    file: name,
                    problem: "value \(array.values[bad]) at prompt \(prompt), point \(point)\(width > 1 ? ", dimension \(bad % width)" : "") (0-based) is not a finite number")
            }
            if let bad = array.values.firstIndex(where: { !Float($0).isFinite }) {
                throw FileFormatError(
                    file: name,
                    problem: "value \(array.values[bad]) at prompt \(bad / (points * width)), point \(bad / width % points) (0-based) does not fit in float32")
            }
        }
        promptCount = prompts
        pointCount = points
        inputDimension = dims
        self.xsName = xsName
        self.ysName = ysName
        self.xs = xs.floats
        self.ys = ys.floats
    }

    public var description: String { "prompts from \(xsName) and \(ysName) (\(promptCount) prompts of \(pointCount) points)" }

    public func check(count: Int, points: Int) throws {
        if points > pointCount || points < 1 {
            throw FileFormatError(file: xsName, problem: "has \(pointCount) points per prompt; \(points) were asked for (use 1...\(pointCount))")
        }
        if count > promptCount || count < 1 {
            throw FileFormatError(file: xsName, problem: "has \(promptCount) prompts; a batch of \(count) was asked for (use 1...\(promptCount); batches are drawn without replacement)")
        }
    }

    /// Fills the batch as documented on the type. `check(count:points:)` must accept the
    /// batch's shape (a larger batch is a programming error and stops the program).
    public func fill(_ batch: inout PromptBatch, using generator: inout RandomGenerator) {
        precondition(batch.count <= promptCount && batch.points <= pointCount && batch.inputDimension == inputDimension,
                     "FilePrompts: batch [\(batch.count), \(batch.points), \(batch.inputDimension)] exceeds the files' [\(promptCount), \(pointCount), \(inputDimension)]; call check(count:points:) first")
        if batch.count == promptCount {
            for slot in 0..<promptCount { copy(prompt: slot, into: slot, of: &batch) }
            return
        }
        var order = Array(0..<promptCount)
        for slot in 0..<batch.count {
            let j = slot + generator.nextInt(below: promptCount - slot)
            order.swapAt(slot, j)
            copy(prompt: order[slot], into: slot, of: &batch)
        }
    }

    fileprivate func copy(prompt: Int, into slot: Int, of batch: inout PromptBatch) {
        let points = batch.points, d = inputDimension
        for k in 0..<(points * d) { batch.xs[slot * points * d + k] = xs[prompt * pointCount * d + k] }
        for i in 0..<points { batch.ys[slot * points + i] = ys[prompt * pointCount + i] }
    }
}

extension FilePrompts {
    /// Fills the batch with prompts `first ..< first + batch.count` in file order (no
    /// randomness): what evaluation uses, so every prompt is seen exactly once.
    public func fill(_ batch: inout PromptBatch, startingAt first: Int) {
        precondition(first >= 0 && first + batch.count <= promptCount && batch.points <= pointCount && batch.inputDimension == inputDimension,
                     "FilePrompts: prompts \(first)..<\(first + batch.count) of \(batch.points) points exceed the files' \(promptCount) prompts of \(pointCount) points")
        for slot in 0..<batch.count { copy(prompt: first + slot, into: slot, of: &batch) }
    }
}

extension FilePrompts {
    /// Writes a batch as float32 `xs.npy` ([count, points], or [count, points, dims] when
    /// x is wider than 1) and `ys.npy` ([count, points]), atomically: prompts that
    /// ``FilePrompts`` reads back exactly, for reproducible experiments and for references.
    public static func write(_ batch: PromptBatch, xsFile: URL, ysFile: URL) throws {
        let xShape = batch.inputDimension == 1 ? [batch.count, batch.points] : [batch.count, batch.points, batch.inputDimension]
        try NumpyFile.write(NumpyArray(shape: xShape, floats: batch.xs), to: xsFile)
        try NumpyFile.write(NumpyArray(shape: [batch.count, batch.points], floats: batch.ys), to: ysFile)
    }
}
