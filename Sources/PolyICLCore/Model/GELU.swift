import CKernels

/// GPT-2's `gelu_new`: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
///
/// The loops are C (Sources/CKernels), compiled in AVX-512, AVX2 and baseline versions with
/// the CPU's picked at load time: Swift code is built for baseline x86-64 (4-wide SSE), and
/// GELU was a sixth of evaluation time. tanh is a clamped rational function (Eigen's).
enum GELU {
    static func forward(output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, count: Int, executor: ParallelExecutor) {
        executor.forEachChunk(count: count, minimumPerWorker: 16_384) { range, _ in
            polyicl_gelu_forward(output + range.lowerBound, input + range.lowerBound, range.count)
        }
    }

    /// Training's forward: `output` as `forward`'s, and `inputThenSlope` (the input) replaced
    /// by gelu'(input), computed from the same tanh; `backward` needs only the slope.
    static func forward(
        output: UnsafeMutablePointer<Float>, keepingSlopeIn inputThenSlope: UnsafeMutablePointer<Float>,
        count: Int, executor: ParallelExecutor
    ) {
        executor.forEachChunk(count: count, minimumPerWorker: 16_384) { range, _ in
            polyicl_gelu_forward_with_slope(
                output + range.lowerBound, inputThenSlope + range.lowerBound, inputThenSlope + range.lowerBound, range.count)
        }
    }

    /// inputGradient = outputGradient * slope, the slope kept by `forward(output:keepingSlopeIn:)`
    /// (overwrites; buffers must not overlap).
    static func backward(
        inputGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>,
        slope: UnsafePointer<Float>, count: Int, executor: ParallelExecutor
    ) {
        executor.forEachChunk(count: count, minimumPerWorker: 16_384) { range, _ in
            polyicl_gelu_backward(inputGradient + range.lowerBound, outputGradient + range.lowerBound,
                                  slope + range.lowerBound, range.count)
        }
    }
}
