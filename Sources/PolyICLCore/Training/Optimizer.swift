#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which optimiser a training run uses.
public enum OptimizerKind: Sendable, Hashable, Codable {
    case adam(AdamSettings)
    /// Plain stochastic gradient descent: p -= lr * g.
    case sgd
}

/// torch.optim.Adam's settings (defaults from the reference code). Weight decay is L2 as in
/// torch.optim.Adam: decay * p is added to the gradient before the moment updates (not
/// AdamW's decoupled decay).
public struct AdamSettings: Sendable, Hashable, Codable {
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float

    public init(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }
}

/// Updates parameters from gradients, only inside `ranges` (the trainable parameters).
public protocol Optimizer: AnyObject {
    func update(parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>, ranges: [Range<Int>], learningRate: Float)
}

/// Adam with bias correction, 16 lanes at a time, parameter ranges split across workers.
public final class AdamOptimizer: Optimizer {
    public let settings: AdamSettings
    public private(set) var step = 0
    let executor: ParallelExecutor
    let firstMoment: FloatBuffer
    let secondMoment: FloatBuffer

    public init(parameterCount: Int, settings: AdamSettings = AdamSettings(), executor: ParallelExecutor = ParallelExecutor()) {
        self.settings = settings
        self.executor = executor
        firstMoment = FloatBuffer(count: parameterCount)
        secondMoment = FloatBuffer(count: parameterCount)
    }

    /// The first and second moment estimates (torch's `exp_avg` and `exp_avg_sq`), one per parameter.
    public var moments: (first: [Float], second: [Float]) {
        (Array(UnsafeBufferPointer(start: firstMoment.pointer, count: firstMoment.count)),
         Array(UnsafeBufferPointer(start: secondMoment.pointer, count: secondMoment.count)))
    }

    /// Continues from saved moments after `step` updates, so the next update is exactly the
    /// one the saved run would have made.
    public func restore(step: Int, first: [Float], second: [Float]) throws {
        guard step >= 0, first.count == firstMoment.count, second.count == secondMoment.count else {
            throw TrainingSettingsError(description: "the saved Adam state has \(first.count) and \(second.count) moments after step \(step); this optimiser has \(firstMoment.count) parameters")
        }
        self.step = step
        first.withUnsafeBufferPointer { if let base = $0.baseAddress { firstMoment.pointer.update(from: base, count: $0.count) } }
        second.withUnsafeBufferPointer { if let base = $0.baseAddress { secondMoment.pointer.update(from: base, count: $0.count) } }
    }

    public func update(parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>, ranges: [Range<Int>], learningRate: Float) {
        step += 1
        let b1 = settings.beta1, b2 = settings.beta2, decay = settings.weightDecay
        // Bias corrections folded into the step size and epsilon, computed in Double once.
        let correction1 = 1 - pow(Double(b1), Double(step)), correction2 = 1 - pow(Double(b2), Double(step))
        let stepSize = Float(Double(learningRate) / correction1)
        let rootCorrection2 = Float(correction2.squareRoot())
        let eps = settings.epsilon
        let m = firstMoment.pointer, v = secondMoment.pointer
        typealias V = VectorMath.Vector
        for range in ranges {
            executor.forEachChunk(count: range.count, minimumPerWorker: 32_768) { chunk, _ in
                var i = range.lowerBound + chunk.lowerBound
                let end = range.lowerBound + chunk.upperBound
                while i + VectorMath.lanes <= end {
                    let p = VectorMath.load(parameters + i)
                    let g = VectorMath.load(gradients + i) + decay * p
                    let mi = b1 * VectorMath.load(m + i) + (1 - b1) * g
                    let vi = b2 * VectorMath.load(v + i) + (1 - b2) * (g * g)
                    VectorMath.store(mi, m + i)
                    VectorMath.store(vi, v + i)
                    let denominator: V = vi.squareRoot() / rootCorrection2 + eps
                    VectorMath.store(p - stepSize * mi / denominator, parameters + i)
                    i += VectorMath.lanes
                }
                while i < end {
                    let p = parameters[i]
                    let g = gradients[i] + decay * p
                    m[i] = b1 * m[i] + (1 - b1) * g
                    v[i] = b2 * v[i] + (1 - b2) * (g * g)
                    parameters[i] = p - stepSize * m[i] / (v[i].squareRoot() / rootCorrection2 + eps)
                    i += 1
                }
            }
        }
    }
}

/// Plain SGD: p -= lr * g.
public final class SGDOptimizer: Optimizer {
    let executor: ParallelExecutor

    public init(executor: ParallelExecutor = ParallelExecutor()) { self.executor = executor }

    public func update(parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>, ranges: [Range<Int>], learningRate: Float) {
        for range in ranges {
            executor.forEachChunk(count: range.count, minimumPerWorker: 65_536) { chunk, _ in
                for i in (range.lowerBound + chunk.lowerBound)..<(range.lowerBound + chunk.upperBound) {
                    parameters[i] -= learningRate * gradients[i]
                }
            }
        }
    }
}

/// Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_: when the norm over
/// `ranges` exceeds `maximum`, scale by maximum / (norm + 1e-6). Returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ gradients: UnsafeMutablePointer<Float>, ranges: [Range<Int>], maximum: Float) -> Float {
    var squares: Double = 0
    for range in ranges {
        var partial: Float = 0
        var start = range.lowerBound
        // Blocks of 4,096 summed in Float, blocks added in Double: accurate and deterministic.
        while start < range.upperBound {
            let n = min(4096, range.upperBound - start)
            partial = VectorMath.dot(gradients + start, gradients + start, n)
            squares += Double(partial)
            start += n
        }
    }
    let norm = Float(squares.squareRoot())
    if norm > maximum {
        let scale = maximum / (norm + 1e-6)
        for range in ranges { for i in range { gradients[i] *= scale } }
    }
    return norm
}
