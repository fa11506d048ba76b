/// GPT-2's `gelu_new`: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
///
/// Written as plain loops of selects and arithmetic (tanh as a clamped rational function)
/// so the compiler vectorises them; libm's tanh per element made GELU a third of a step.
enum GELU {
    static let k: Float = 0.797_884_560_802_865_4  // sqrt(2 / pi)
    static let c: Float = 0.044_715

    static func forward(output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, count: Int, executor: ParallelExecutor) {
        executor.forEachChunk(count: count, minimumPerWorker: 16_384) { range, _ in
            for i in range {
                let x = input[i]
                let t = RationalTanh.value(k * (x + c * x * x * x))
                output[i] = 0.5 * x * (1 + t)
            }
        }
    }

    /// inputGradient = outputGradient * gelu'(input) (overwrites). Use distinct buffers: when
    /// they overlap, the vectorised loop's alias check sends it down the scalar path.
    static func backward(
        inputGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>,
        input: UnsafePointer<Float>, count: Int, executor: ParallelExecutor
    ) {
        executor.forEachChunk(count: count, minimumPerWorker: 16_384) { range, _ in
            for i in range {
                let x = input[i], x2 = x * x
                let t = RationalTanh.value(k * x * (1 + c * x2))
                let slope: Float = 0.5 * x * (1 - t * t) * k * (1 + 3 * c * x2)
                inputGradient[i] = outputGradient[i] * (0.5 * (1 + t) + slope)
            }
        }
    }
}
