#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the learning rate moves over a run.
public enum LearningRateSchedule: Sendable, Hashable, Codable {
    case constant
    /// Linear warm-up from lr/warmupSteps to lr over `warmupSteps`, then a half cosine down to
    /// `minimumFactor * lr` at the last step.
    case warmupCosine(warmupSteps: Int, minimumFactor: Float)

    /// The rate for 0-based `step` of `totalSteps`.
    public func rate(base: Float, step: Int, totalSteps: Int) -> Float {
        switch self {
        case .constant:
            return base
        case .warmupCosine(let warmup, let minimum):
            if step < warmup { return base * Float(step + 1) / Float(warmup) }
            let span = max(1, totalSteps - 1 - warmup)
            let progress = min(1, Double(step - warmup) / Double(span))
            let cosine = 0.5 * (1 + cos(Double.pi * progress))
            return base * (minimum + (1 - minimum) * Float(cosine))
        }
    }
}

/// Garg et al.'s curriculum on the number of points: `start`, plus `increment` every
/// `interval` steps, never above `end`.
public struct Curriculum: Sendable, Hashable, Codable {
    public var start: Int
    public var increment: Int
    public var interval: Int
    public var end: Int

    public init(start: Int, increment: Int, interval: Int, end: Int) {
        self.start = start
        self.increment = increment
        self.interval = interval
        self.end = end
    }

    /// Always `points` points.
    public static func fixed(_ points: Int) -> Curriculum {
        Curriculum(start: points, increment: 0, interval: 1, end: points)
    }

    /// The points used at 0-based `step`.
    public func points(atStep step: Int) -> Int {
        min(end, start + increment * (step / max(1, interval)))
    }
}
