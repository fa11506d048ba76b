/// GPT-2's `gelu_new`: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), 16 lanes at a time.
enum GELU {
    static let k: Float = 0.797_884_560_802_865_4  // sqrt(2 / pi)
    static let c: Float = 0.044_715

    static func forward(output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, count: Int, executor: ParallelExecutor) {
        executor.forEachChunk(count: count, minimumPerWorker: 16_384) { range, _ in
            var i = range.lowerBound
            while i + VectorMath.lanes <= range.upperBound {
                let x = VectorMath.load(input + i)
                let t = VectorMath.tanh(k * (x + c * x * x * x))
                VectorMath.store(0.5 * x * (1 + t), output + i)
                i += VectorMath.lanes
            }
            while i < range.upperBound {
                let x = input[i]
                output[i] = 0.5 * x * (1 + scalarTanh(k * (x + c * x * x * x)))
                i += 1
            }
        }
    }

    /// inputGradient = outputGradient * gelu'(input) (overwrites; may alias outputGradient).
    static func backward(
        inputGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>,
        input: UnsafePointer<Float>, count: Int, executor: ParallelExecutor
    ) {
        executor.forEachChunk(count: count, minimumPerWorker: 16_384) { range, _ in
            var i = range.lowerBound
            while i + VectorMath.lanes <= range.upperBound {
                let x = VectorMath.load(input + i)
                let x2 = x * x
                let t = VectorMath.tanh(k * x * (1 + c * x2))
                let one = VectorMath.Vector(repeating: 1)
                let inner: VectorMath.Vector = k * (one + (3 * c) * x2)
                let slope: VectorMath.Vector = (0.5 * x) * (one - t * t) * inner
                let derivative: VectorMath.Vector = 0.5 * (one + t) + slope
                VectorMath.store(VectorMath.load(outputGradient + i) * derivative, inputGradient + i)
                i += VectorMath.lanes
            }
            while i < range.upperBound {
                let x = input[i], x2 = x * x
                let t = scalarTanh(k * x * (1 + c * x2))
                let slope: Float = 0.5 * x * (1 - t * t) * k * (1 + 3 * c * x2)
                inputGradient[i] = outputGradient[i] * (0.5 * (1 + t) + slope)
                i += 1
            }
        }
    }

    /// The same approximation as the vector lanes, so tails and lanes agree bit for bit.
    @inline(__always)
    static func scalarTanh(_ x: Float) -> Float {
        VectorMath.tanh(VectorMath.Vector(repeating: x))[0]
    }
}
