/// The one seeded random generator that drives prompts, initial weights and batches.
///
/// xoshiro256** seeded through SplitMix64: fast, statistically strong, and identical
/// on every platform, so the same seed gives the same run bit for bit.
public struct RandomGenerator: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var mixer = seed
        func splitMix() -> UInt64 {
            mixer &+= 0x9E37_79B9_7F4A_7C15
            var z = mixer
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// The generator whose four state words are `words` (as ``stateWords`` gave them), so a
    /// stream can be saved and continued exactly. Nil unless there are four words, not all zero
    /// (xoshiro's one state that never leaves zero).
    public init?(stateWords words: [UInt64]) {
        guard words.count == 4, words.contains(where: { $0 != 0 }) else { return nil }
        state = (words[0], words[1], words[2], words[3])
    }

    /// The four state words: ``init(stateWords:)`` continues the stream from here.
    public var stateWords: [UInt64] { [state.0, state.1, state.2, state.3] }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = rotateLeft(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotateLeft(state.3, 45)
        return result
    }

    @inline(__always)
    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 &- k)) }

    /// A new generator whose stream does not overlap this one's in practice; advances this one.
    public mutating func fork() -> RandomGenerator { RandomGenerator(seed: next()) }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func nextUnitDouble() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [low, high).
    @inline(__always)
    public mutating func nextUniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * nextUnitDouble()
    }

    /// Uniform integer in 0..<bound (bound > 0), without modulo bias.
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        return Int(truncatingIfNeeded: next(upperBound: UInt64(bound)))
    }

    /// Standard normal by the Box–Muller transform (one value per call, so the stream
    /// position never depends on a cached second value).
    @inline(__always)
    public mutating func nextNormal() -> Double {
        let u1 = 1.0 - nextUnitDouble()  // (0, 1]: log is finite
        let u2 = nextUnitDouble()
        return (-2.0 * _logarithm(u1)).squareRoot() * _cosine(2.0 * Double.pi * u2)
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func _logarithm(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) func _cosine(_ x: Double) -> Double { Glibc.cos(x) }
#else
import Darwin
@inline(__always) func _logarithm(_ x: Double) -> Double { Darwin.log(x) }
@inline(__always) func _cosine(_ x: Double) -> Double { Darwin.cos(x) }
#endif
