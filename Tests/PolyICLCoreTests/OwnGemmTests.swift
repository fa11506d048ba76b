import Testing
@testable import PolyICLCore

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Our SGEMM (Sources/CKernels/gemm.c) and the layers built on it, against plain Float64
/// loops written here: every transpose, alpha/beta, padded leading dimensions, sizes around
/// the 12x32 micro-tile and the 120-row / 256-deep blocks, empty products, the triangle
/// modes, and the OpenBLAS fallback through the same entry points. Each runs at every kernel
/// level (AVX-512, AVX2, and baseline = OpenBLAS where a test covers it); the levels this
/// CPU lacks are cancelled with the reason.
@Suite struct OwnGemmTests {
    /// Cancels the current test case when the CPU cannot run `level`.
    static func require(_ level: KernelLevel) throws {
        guard level.isSupported else {
            try Test.cancel("this CPU has no \(level == .avx512 ? "AVX-512 (F, DQ, VL)" : "AVX2 with FMA"): \(level) is not tested here")
        }
    }

    static let ownLevels: [KernelLevel] = [.avx512, .avx2]

    /// C = alpha op(A) op(B) + beta C in Float64; `skip(i, j)` entries are left as they were.
    static func reference(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: [Float], lda: Int,
        b: [Float], ldb: Int, beta: Float, c: [Float], ldc: Int
    ) -> [Double] {
        var out = c.map(Double.init)
        for i in 0..<m {
            for j in 0..<n {
                var sum: Double = 0
                for p in 0..<k {
                    sum += Double(transposeA ? a[p * lda + i] : a[i * lda + p]) * Double(transposeB ? b[j * ldb + p] : b[p * ldb + j])
                }
                out[i * ldc + j] = Double(alpha) * sum + (beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j]))
            }
        }
        return out
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float, beta: Float, padding: Int
        var testDescription: String { "tA=\(transposeA) tB=\(transposeB) \(m)x\(n)x\(k) alpha=\(alpha) beta=\(beta) pad=\(padding)" }
    }

    static let shapes: [(Int, Int, Int)] = [
        (1, 1, 1), (1, 33, 7), (13, 1, 5), (12, 32, 16), (11, 31, 9), (25, 65, 130), (121, 40, 257),
        (130, 96, 64), (37, 100, 600), (0, 5, 3), (4, 0, 3), (6, 7, 0), (250, 17, 3),
    ]
    static let cases: [Case] = {
        var cases: [Case] = []
        let scalars: [(Float, Float)] = [(1, 0), (0.5, 2), (1, 1), (-1.5, 0.25)]
        for (index, (m, n, k)) in shapes.enumerated() {
            for transposeA in [false, true] {
                for transposeB in [false, true] {
                    let (alpha, beta) = scalars[(index + (transposeA ? 1 : 0) + (transposeB ? 2 : 0)) % scalars.count]
                    cases.append(Case(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                      alpha: alpha, beta: beta, padding: index % 3))
                }
            }
        }
        return cases
    }()

    @Test(arguments: ownLevels, cases)
    func ownGemmMatchesFloat64Loop(level: KernelLevel, _ test: Case) throws {
        try Self.require(level)
        let pin = level.pin()
        defer { KernelLevel.unpin(restoring: pin) }
        try #require(OwnGemm.isAvailable)
        var generator = RandomGenerator(seed: UInt64(test.m * 131 + test.n * 17 + test.k))
        let lda = (test.transposeA ? test.m : test.k) + test.padding
        let ldb = (test.transposeB ? test.k : test.n) + test.padding
        let ldc = test.n + test.padding
        let a = randomFloats(max(1, (test.transposeA ? test.k : test.m) * lda), &generator)
        let b = randomFloats(max(1, (test.transposeB ? test.n : test.k) * ldb), &generator)
        let c0 = randomFloats(max(1, test.m * ldc), &generator)
        // beta = 0 must not read C: NaN there must not leak into the result.
        var c = test.beta == 0 ? c0.enumerated().map { $0.offset % (ldc == 0 ? 1 : ldc) < test.n ? Float.nan : $0.element } : c0
        let expected = Self.reference(transposeA: test.transposeA, transposeB: test.transposeB, m: test.m, n: test.n, k: test.k,
                                      alpha: test.alpha, a: a, lda: lda, b: b, ldb: ldb, beta: test.beta, c: c0, ldc: ldc)
        let done = OwnGemm.multiply(transposeA: test.transposeA, transposeB: test.transposeB, m: test.m, n: test.n, k: test.k,
                                    alpha: test.alpha, a: a, lda: lda, b: b, ldb: ldb, beta: test.beta, c: &c, ldc: ldc)
        #expect(done)
        var worst: Double = 0
        for index in 0..<(test.m * ldc) {
            if index % ldc >= test.n {
                #expect(c[index] == c0[index], "padding column \(index % ldc) of row \(index / ldc) was written")
            } else {
                let error = abs(Double(c[index]) - expected[index])
                worst = worse(worst, error)
            }
        }
        #expect(worst < 1e-5 * Double(max(1, test.k)).squareRoot() * 4, "worst difference \(worst)")
    }

    /// The long reduction of a weight gradient (X^T dY over many rows, packed 256 rows at a time)
    /// and a product too wide for op(B) to be packed whole.
    @Test(arguments: ownLevels, [(true, false, 40, 70, 3_001), (false, true, 50, 1_100, 300), (true, true, 24, 600, 700)])
    func ownGemmLongReductionsAndWideProducts(
        level: KernelLevel, shape: (transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int)
    ) throws {
        try Self.require(level)
        let pin = level.pin()
        defer { KernelLevel.unpin(restoring: pin) }
        try #require(OwnGemm.isAvailable)
        let (transposeA, transposeB, m, n, k) = shape
        var generator = RandomGenerator(seed: 77)
        let lda = transposeA ? m : k, ldb = transposeB ? k : n
        let a = randomFloats(m * k, &generator), b = randomFloats(k * n, &generator)
        var c = randomFloats(m * n, &generator)
        let expected = Self.reference(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 1, a: a, lda: lda,
                                      b: b, ldb: ldb, beta: 1, c: c, ldc: n)
        #expect(OwnGemm.multiply(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 1, a: a, lda: lda,
                                 b: b, ldb: ldb, beta: 1, c: &c, ldc: n))
        let worst = worstError(zip(c, expected).map { abs(Double($0) - $1) })
        #expect(worst < 1e-5 * Double(k).squareRoot() * 4, "worst difference \(worst)")
    }

    /// Triangle modes: with op(A) zero on one side of its diagonal the skipped work is zero
    /// work, so the result equals the full product; `.lowerOutput` is checked on and below the
    /// diagonal only.
    @Test(arguments: ownLevels, [OwnGemmTriangleCase.lowerOutput, .lowerA, .upperA, .upperATransposed, .lowerATransposed])
    func triangleModesMatchFullProduct(level: KernelLevel, _ mode: OwnGemmTriangleCase) throws {
        try Self.require(level)
        let pin = level.pin()
        defer { KernelLevel.unpin(restoring: pin) }
        try #require(OwnGemm.isAvailable)
        var generator = RandomGenerator(seed: 5)
        for (m, n, k) in [(162, 32, 162), (45, 45, 20), (7, 3, 7), (30, 70, 25)] {
            let transposeA = mode == .upperATransposed || mode == .lowerATransposed
            let lda = transposeA ? m : k
            var a = randomFloats(m * k, &generator)
            for i in 0..<m {
                for p in 0..<k {
                    let zero = switch mode {
                    case .lowerOutput: false
                    case .lowerA, .lowerATransposed: p > i
                    case .upperA, .upperATransposed: p < i
                    }
                    if zero { a[transposeA ? p * lda + i : i * lda + p] = 0 }
                }
            }
            let b = randomFloats(k * n, &generator)
            let c0 = randomFloats(m * n, &generator)
            var c = c0
            let triangle: OwnGemm.Triangle = switch mode {
            case .lowerOutput: .lowerOutput
            case .lowerA, .lowerATransposed: .lowerA
            case .upperA, .upperATransposed: .upperA
            }
            let expected = Self.reference(transposeA: transposeA, transposeB: false, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda,
                                          b: b, ldb: n, beta: 0, c: c0, ldc: n)
            #expect(OwnGemm.multiply(transposeA: transposeA, transposeB: false, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda,
                                     b: b, ldb: n, beta: 0, c: &c, ldc: n, triangle: triangle))
            var worst: Double = 0
            for i in 0..<m {
                for j in 0..<n where mode != .lowerOutput || j <= i {
                    worst = worse(worst, abs(Double(c[i * n + j]) - expected[i * n + j]))
                }
            }
            #expect(worst < 1e-4, "\(mode) \(m)x\(n)x\(k): worst difference \(worst)")
        }
    }

    /// ParallelGemm with our kernel and with the OpenBLAS fallback, split across three workers
    /// (tall products split by rows, wide by columns, small ones whole) against Float64.
    @Test(arguments: KernelLevel.allCases)
    func parallelGemmBothBackendsMatchFloat64(level: KernelLevel) throws {
        try Self.require(level)
        let pin = level.pin()
        defer { KernelLevel.unpin(restoring: pin) }
        let executor = ParallelExecutor(threads: 3, level: level)
        #expect(executor.kernelLevel == level && executor.usesOwnGemm == (level != .baseline))
        var generator = RandomGenerator(seed: 9)
        for (transposeA, transposeB, m, n, k) in [(false, false, 1_003, 128, 128), (false, true, 700, 130, 512),
                                                  (true, false, 128, 384, 900), (true, false, 515, 128, 300),
                                                  (false, false, 5, 3, 2), (true, true, 40, 203, 150)] {
            let lda = transposeA ? m : k, ldb = transposeB ? k : n
            let a = randomFloats(m * k, &generator), b = randomFloats(k * n, &generator)
            var c = randomFloats(m * n, &generator)
            let expected = Self.reference(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 0.5, a: a,
                                          lda: lda, b: b, ldb: ldb, beta: 2, c: c, ldc: n)
            ParallelGemm.multiply(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda,
                                  b: b, ldb: ldb, beta: 2, c: &c, ldc: n, executor: executor)
            let worst = worstError(zip(c, expected).map { abs(Double($0) - $1) })
            #expect(worst < 1e-3, "\(m)x\(n)x\(k) tA=\(transposeA) tB=\(transposeB): worst difference \(worst)")
        }
    }

    /// The fused Conv1D forward (bias + residual fill, GEMM, GELU per row block) against
    /// Float64, for the presets' widths, row counts that leave partial blocks and micro-tiles,
    /// both backends.
    @Test(arguments: KernelLevel.allCases)
    func conv1DForwardMatchesFloat64(level: KernelLevel) throws {
        try Self.require(level)
        let pin = level.pin()
        defer { KernelLevel.unpin(restoring: pin) }
        let executor = ParallelExecutor(threads: 2, level: level)
        var generator = RandomGenerator(seed: 10)
        for (rows, inputWidth, outputWidth) in [(1, 16, 48), (259, 16, 64), (601, 64, 256), (1_001, 128, 384), (300, 512, 128), (7, 3, 5)] {
            let input = randomFloats(rows * inputWidth, &generator), weight = randomFloats(inputWidth * outputWidth, &generator, scale: 0.1)
            let bias = randomFloats(outputWidth, &generator), residual = randomFloats(rows * outputWidth, &generator)
            var output = [Float](repeating: .nan, count: rows * outputWidth), gelu = output
            Conv1D.forward(output: &output, input: input, weight: weight, bias: bias, residual: residual, geluOutput: &gelu,
                           rows: rows, inputWidth: inputWidth, outputWidth: outputWidth, executor: executor)
            var worst: Double = 0, worstGelu: Double = 0
            for r in 0..<rows {
                for o in 0..<outputWidth {
                    var sum = Double(residual[r * outputWidth + o]) + Double(bias[o])
                    for i in 0..<inputWidth { sum += Double(input[r * inputWidth + i]) * Double(weight[i * outputWidth + o]) }
                    worst = worse(worst, abs(Double(output[r * outputWidth + o]) - sum))
                    // gelu_new = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) of the computed output.
                    let x = Double(output[r * outputWidth + o])
                    let g = 0.5 * x * (1 + tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))
                    worstGelu = worse(worstGelu, abs(Double(gelu[r * outputWidth + o]) - g))
                }
            }
            #expect(worst < 1e-4, "\(rows)x\(inputWidth)->\(outputWidth): worst difference \(worst)")
            #expect(worstGelu < 1e-5, "\(rows)x\(inputWidth)->\(outputWidth): worst GELU difference \(worstGelu)")
        }
    }

    /// Conv1D's backward against Float64: the weight and bias gradients, whose reduction over
    /// rows is split across workers (worker 0 into the gradients, the others through partials),
    /// alone and with the input gradient (plain, and through a GELU slope), which our GEMM
    /// computes in the same pass over the rows. The presets' widths, row counts that split
    /// unevenly, leave partial micro-tiles and span several of that pass's row blocks, gradients
    /// that already hold values (they accumulate), both backends, one and three workers.
    @Test(arguments: KernelLevel.allCases, Conv1DInputGradientCase.allCases)
    func conv1DBackwardMatchesFloat64(level: KernelLevel, inputGradientCase: Conv1DInputGradientCase) throws {
        try Self.require(level)
        let pin = level.pin()
        defer { KernelLevel.unpin(restoring: pin) }
        var generator = RandomGenerator(seed: 12)
        for (rows, inputWidth, outputWidth) in [(1_213, 128, 512), (1_291, 512, 128), (1_037, 64, 192), (3, 7, 5)] {
            let input = randomFloats(rows * inputWidth, &generator), dOutput = randomFloats(rows * outputWidth, &generator)
            let weight = randomFloats(inputWidth * outputWidth, &generator)
            let startWeight = randomFloats(inputWidth * outputWidth, &generator), startBias = randomFloats(outputWidth, &generator)
            let slope = randomFloats(rows * inputWidth, &generator).map { 0.6 + $0 }
            var expectedWeight = startWeight.map(Double.init), expectedBias = startBias.map(Double.init)
            // The input gradient at every fifth row (which meets every position in a 12-row tile)
            // and the last tile, with the sum of its terms' magnitudes.
            var expectedInput: [(index: Int, value: Double, magnitude: Double)] = []
            for r in 0..<rows {
                for o in 0..<outputWidth {
                    let g = Double(dOutput[r * outputWidth + o])
                    expectedBias[o] += g
                    for i in 0..<inputWidth { expectedWeight[i * outputWidth + o] += Double(input[r * inputWidth + i]) * g }
                }
                guard inputGradientCase != .none, r % 5 == 0 || r >= rows - 12 else { continue }
                for i in 0..<inputWidth {
                    let (sum, magnitude) = float64InputGradient(dOutput, weight, row: r, column: i, outputWidth: outputWidth)
                    let factor = inputGradientCase == .throughGELU ? Double(slope[r * inputWidth + i]) : 1
                    expectedInput.append((r * inputWidth + i, sum * factor, magnitude * abs(factor)))
                }
            }
            for threads in [1, 3] {
                let executor = ParallelExecutor(threads: threads, level: level)
                var dWeight = startWeight, dBias = startBias
                var dInput = [Float](repeating: .nan, count: inputGradientCase == .none ? 0 : rows * inputWidth)
                let ones = [Float](repeating: 1, count: rows)
                var partials = [Float](repeating: .nan, count: Conv1D.partialsCount(threads: threads, inputWidth: inputWidth, outputWidth: outputWidth))
                dInput.withUnsafeMutableBufferPointer { dInputBuffer in
                    slope.withUnsafeBufferPointer { slopeBuffer in
                        Conv1D.backward(
                            inputGradient: inputGradientCase == .none ? nil : dInputBuffer.baseAddress,
                            weightGradient: &dWeight, biasGradient: &dBias, outputGradient: dOutput, input: input, weight: weight,
                            geluSlope: inputGradientCase == .throughGELU ? slopeBuffer.baseAddress : nil, ones: ones, partials: &partials,
                            rows: rows, inputWidth: inputWidth, outputWidth: outputWidth, executor: executor)
                    }
                }
                let worstWeight = worstError(zip(dWeight, expectedWeight).map { abs(Double($0) - $1) })
                let worstBias = worstError(zip(dBias, expectedBias).map { abs(Double($0) - $1) })
                let worstInput = worstError(expectedInput.map { abs(Double(dInput[$0.index]) - $0.value) / max(1e-3, $0.magnitude) })
                let shape = "\(threads) threads, \(rows)x\(inputWidth)->\(outputWidth), input gradient \(inputGradientCase)"
                // Sums of thousands of terms of size ~0.3: Float32 keeps them to about 1e-3. A Float32
                // sum of n products is good to n * 6e-8 of the sum of their magnitudes.
                #expect(worstWeight < 2e-3, "\(shape): worst weight difference \(worstWeight)")
                #expect(worstBias < 2e-3, "\(shape): worst bias difference \(worstBias)")
                #expect(worstInput < Double(outputWidth) * 6e-8, "\(shape): worst relative input-gradient difference \(worstInput)")
            }
        }
    }

    /// The MLP (c_fc, GELU, c_proj and the skip connection; with our GEMM one pass per block of
    /// rows) against Float64, with and without keeping the activations and GELU's slope for a
    /// backward: row counts that span several row blocks, split unevenly and leave partial
    /// micro-tiles, the standard width and a narrower one, both backends, one and three workers.
    @Test(arguments: KernelLevel.allCases, [true, false])
    func mlpForwardMatchesFloat64(level: KernelLevel, keepingActivations: Bool) throws {
        try Self.require(level)
        let pin = level.pin()
        defer { KernelLevel.unpin(restoring: pin) }
        var generator = RandomGenerator(seed: 14)
        for (rows, width) in [(1_291, 128), (29, 64), (5, 128)] {
            let hidden = 4 * width
            let input = randomFloats(rows * width, &generator), residual = randomFloats(rows * width, &generator)
            let fcWeight = randomFloats(width * hidden, &generator, scale: 0.15), fcBias = randomFloats(hidden, &generator)
            let projectionWeight = randomFloats(hidden * width, &generator, scale: 0.05)
            let projectionBias = randomFloats(width, &generator)
            // Float64 pre-activations, activations, slopes and outputs.
            let k = 0.7978845608028654, c = 0.044715
            var pre = [Double](repeating: 0, count: rows * hidden)
            for r in 0..<rows {
                for j in 0..<hidden {
                    var sum = Double(fcBias[j])
                    for i in 0..<width { sum += Double(input[r * width + i]) * Double(fcWeight[i * hidden + j]) }
                    pre[r * hidden + j] = sum
                }
            }
            let tanhs = pre.map { x in tanh(k * (x + c * x * x * x)) }
            let activation = zip(pre, tanhs).map { x, t in 0.5 * x * (1 + t) }
            let slope = zip(pre, tanhs).map { x, t in 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * c * x * x) }
            var expected = [Double](repeating: 0, count: rows * width)
            for r in 0..<rows {
                for o in 0..<width {
                    var sum = Double(residual[r * width + o]) + Double(projectionBias[o])
                    for j in 0..<hidden { sum += activation[r * hidden + j] * Double(projectionWeight[j * width + o]) }
                    expected[r * width + o] = sum
                }
            }
            for threads in [1, 3] {
                let executor = ParallelExecutor(threads: threads, level: level)
                var output = [Float](repeating: .nan, count: rows * width)
                var keptSlope = [Float](repeating: .nan, count: rows * hidden), keptActivation = keptSlope
                MLP.forward(
                    output: &output, preActivation: &keptSlope, activation: &keptActivation, input: input,
                    residual: residual, fcWeight: fcWeight, fcBias: fcBias,
                    projectionWeight: projectionWeight, projectionBias: projectionBias,
                    keepingActivations: keepingActivations, rows: rows, width: width, executor: executor)
                let shape = "\(threads) threads, \(rows) rows of \(width)"
                // Float32 sums of 128 to 512 terms of these sizes, through GELU: a few 1e-6.
                let worstOutput = worstError(zip(output, expected).map { abs(Double($0) - $1) })
                #expect(worstOutput < 2e-5, "\(shape): worst output difference \(worstOutput)")
                guard keepingActivations else { continue }
                let worstActivation = worstError(zip(keptActivation, activation).map { abs(Double($0) - $1) })
                let worstSlope = worstError(zip(keptSlope, slope).map { abs(Double($0) - $1) })
                #expect(worstActivation < 2e-5, "\(shape): worst activation difference \(worstActivation)")
                #expect(worstSlope < 2e-5, "\(shape): worst slope difference \(worstSlope)")
            }
        }
    }

    /// Conv1D's backward taken on through the LayerNorm that made its input (one pass per worker
    /// with our GEMM) against Float64: the residual gradient it adds to, LayerNorm's gain and
    /// bias gradients, and the Conv1D's weight and bias gradients, all accumulating; row counts
    /// that span several row blocks and split unevenly, one and three workers. With OpenBLAS it
    /// declines and touches nothing.
    @Test(arguments: KernelLevel.allCases)
    func conv1DBackwardThroughLayerNormMatchesFloat64(level: KernelLevel) throws {
        try Self.require(level)
        let pin = level.pin()
        defer { KernelLevel.unpin(restoring: pin) }
        var generator = RandomGenerator(seed: 15)
        for (rows, width, outputWidth) in [(1_291, 128, 384), (29, 64, 256)] {
            let residual = randomFloats(rows * width, &generator, scale: 2), gain = randomFloats(width, &generator)
            let lnBias = randomFloats(width, &generator)
            let weight = randomFloats(width * outputWidth, &generator, scale: 0.1), dOutput = randomFloats(rows * outputWidth, &generator)
            let startResidualGradient = randomFloats(rows * width, &generator)
            let startGain = randomFloats(width, &generator), startLNBias = randomFloats(width, &generator)
            let startWeight = randomFloats(width * outputWidth, &generator), startBias = randomFloats(outputWidth, &generator)
            // The forward's LayerNorm, as the model keeps it.
            var normalized = [Float](repeating: 0, count: rows * width)
            var mean = [Float](repeating: 0, count: rows), inverseStd = mean
            LayerNorm.forward(output: &normalized, mean: &mean, inverseStd: &inverseStd, input: residual, gain: gain,
                              bias: lnBias, rows: rows, width: width, executor: ParallelExecutor(threads: 1))
            // Float64: dNormalized = dY W^T, then LayerNorm's backward from the kept mean and 1/std.
            var expectedResidual = startResidualGradient.map(Double.init)
            var expectedGain = startGain.map(Double.init), expectedLNBias = startLNBias.map(Double.init)
            var expectedWeight = startWeight.map(Double.init), expectedBias = startBias.map(Double.init)
            for r in 0..<rows {
                var dNormalized = [Double](repeating: 0, count: width)
                for i in 0..<width {
                    for o in 0..<outputWidth { dNormalized[i] += Double(dOutput[r * outputWidth + o]) * Double(weight[i * outputWidth + o]) }
                }
                let m = Double(mean[r]), s = Double(inverseStd[r])
                let xhat = (0..<width).map { (Double(residual[r * width + $0]) - m) * s }
                let dScaled = (0..<width).map { Double(gain[$0]) * dNormalized[$0] }
                let meanScaled = dScaled.reduce(0, +) / Double(width)
                let meanScaledXhat = zip(dScaled, xhat).map(*).reduce(0, +) / Double(width)
                for i in 0..<width {
                    expectedResidual[r * width + i] += (dScaled[i] - meanScaled - xhat[i] * meanScaledXhat) * s
                    expectedGain[i] += dNormalized[i] * xhat[i]
                    expectedLNBias[i] += dNormalized[i]
                }
                for o in 0..<outputWidth {
                    let g = Double(dOutput[r * outputWidth + o])
                    expectedBias[o] += g
                    for i in 0..<width { expectedWeight[i * outputWidth + o] += Double(normalized[r * width + i]) * g }
                }
            }
            for threads in [1, 3] {
                let executor = ParallelExecutor(threads: threads, level: level)
                let residualGradient = FloatBuffer(copying: startResidualGradient)
                let gainGradient = FloatBuffer(copying: startGain), lnBiasGradient = FloatBuffer(copying: startLNBias)
                let kept = (residual: FloatBuffer(copying: residual), gain: FloatBuffer(copying: gain),
                            mean: FloatBuffer(copying: mean), inverseStd: FloatBuffer(copying: inverseStd))
                let lnPartials = FloatBuffer(copying: [Float](repeating: .nan, count: threads * 2 * width))
                let scratch = FloatBuffer(copying: [Float](repeating: .nan, count: rows * width))
                var weightGradient = startWeight, biasGradient = startBias
                var partials = [Float](repeating: .nan, count: Conv1D.partialsCount(threads: threads, inputWidth: width, outputWidth: outputWidth))
                let ran = Conv1D.backwardThroughLayerNorm(
                    LayerNorm.BackwardOperands(
                        inputGradient: residualGradient.pointer, gainGradient: gainGradient.pointer,
                        biasGradient: lnBiasGradient.pointer, input: kept.residual.pointer, gain: kept.gain.pointer,
                        mean: kept.mean.pointer, inverseStd: kept.inverseStd.pointer, partials: lnPartials.pointer,
                        fallbackScratch: scratch.pointer),
                    weightGradient: &weightGradient, biasGradient: &biasGradient, outputGradient: dOutput, input: normalized,
                    weight: weight, ones: [Float](repeating: 1, count: rows), partials: &partials,
                    rows: rows, inputWidth: width, outputWidth: outputWidth, executor: executor)
                let shape = "\(threads) threads, \(rows) rows, \(width) -> \(outputWidth)"
                #expect(ran == level.hasOwnGemm, "\(shape): ran \(ran)")
                guard ran else {
                    #expect(residualGradient.array == startResidualGradient && weightGradient == startWeight, "\(shape): declined but wrote")
                    continue
                }
                let worstResidual = worstError(zip(residualGradient.array, expectedResidual).map { abs(Double($0) - $1) })
                let worstGain = worstError(zip(gainGradient.array, expectedGain).map { abs(Double($0) - $1) })
                let worstLNBias = worstError(zip(lnBiasGradient.array, expectedLNBias).map { abs(Double($0) - $1) })
                let worstWeight = worstError(zip(weightGradient, expectedWeight).map { abs(Double($0) - $1) })
                let worstBias = worstError(zip(biasGradient, expectedBias).map { abs(Double($0) - $1) })
                // Terms of order 1 summed over up to 384 outputs and 1,291 rows in Float32.
                #expect(worstResidual < 1e-4, "\(shape): worst residual-gradient difference \(worstResidual)")
                #expect(worstGain < 2e-3 && worstLNBias < 2e-3, "\(shape): worst LayerNorm differences \(worstGain), \(worstLNBias)")
                #expect(worstWeight < 2e-3 && worstBias < 2e-3, "\(shape): worst Conv1D differences \(worstWeight), \(worstBias)")
            }
        }
    }

    /// c_proj's input gradient taken on through GELU (one fused pass with our GEMM, GEMM then
    /// GELU backward with OpenBLAS), from the slope the training forward keeps, against Float64
    /// (dOutput weight^T) * gelu_new'(x): row counts that leave partial micro-tiles and split
    /// unevenly, one and three workers. The pre-activations span GELU's curved part, its tails
    /// and the tanh clamp.
    @Test(arguments: KernelLevel.allCases)
    func conv1DInputGradientThroughGELUMatchesFloat64(level: KernelLevel) throws {
        try Self.require(level)
        let pin = level.pin()
        defer { KernelLevel.unpin(restoring: pin) }
        var generator = RandomGenerator(seed: 13)
        for threads in [1, 3] {
            let executor = ParallelExecutor(threads: threads, level: level)
            for (rows, inputWidth, outputWidth) in [(1_291, 512, 128), (37, 64, 16), (5, 7, 3)] {
                let preActivation = randomFloats(rows * inputWidth, &generator).map { 8 * $0 }
                let dOutput = randomFloats(rows * outputWidth, &generator)
                let weight = randomFloats(inputWidth * outputWidth, &generator)
                var activation = [Float](repeating: .nan, count: rows * inputWidth), slope = preActivation
                GELU.forward(output: &activation, keepingSlopeIn: &slope, count: slope.count, executor: executor)
                var dPreActivation = [Float](repeating: .nan, count: rows * inputWidth)
                var partials = [Float](repeating: .nan, count: Conv1D.partialsCount(threads: threads, inputWidth: inputWidth, outputWidth: outputWidth))
                Conv1D.backward(inputGradient: &dPreActivation, weightGradient: nil, biasGradient: nil,
                                outputGradient: dOutput, input: activation, weight: weight, geluSlope: slope,
                                ones: [], partials: &partials,
                                rows: rows, inputWidth: inputWidth, outputWidth: outputWidth, executor: executor)
                // Float32 sums of n products are good to n * 6e-8 of the sum of their magnitudes,
                // and GELU's slope to a few 1e-6 where 1 - tanh^2 is tiny: the bound is relative.
                var worst: Double = 0
                for r in 0..<rows {
                    for i in 0..<inputWidth {
                        let (dActivation, magnitude) = float64InputGradient(dOutput, weight, row: r, column: i, outputWidth: outputWidth)
                        let x = Double(preActivation[r * inputWidth + i]), k = 0.7978845608028654, c = 0.044715
                        let t = tanh(k * (x + c * x * x * x))
                        let slope = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * c * x * x)
                        let error = abs(Double(dPreActivation[r * inputWidth + i]) - dActivation * slope)
                        worst = worse(worst, error / (magnitude * max(1, abs(slope)) + 1e-3))
                    }
                }
                #expect(worst < 4e-6 + Double(outputWidth) * 6e-8, "\(threads) threads, \(rows)x\(outputWidth)->\(inputWidth): worst relative difference \(worst)")
            }
        }
    }

    /// Attention forward and backward over positions spanning several 12x32 tiles (where the
    /// triangle skipping acts) against a Float64 implementation of the same formulas, both
    /// backends, head size 12 (whole-matrix products) and 32 (with our GEMM, the sliver-wise
    /// backward kernel), positions that fill no tile evenly, one position and the standard
    /// model's 162. The kept probabilities are checked in their documented compact layout (row
    /// t as its first 16 * (t / 16 + 1) entries), stored both 64-byte aligned (streamed with
    /// AVX-512 or AVX2) and not (the portable copy); scratch starts as NaN, so nothing relies on it.
    @Test(arguments: KernelLevel.allCases, [(45, 24, 0), (45, 64, 1), (1, 64, 0), (13, 64, 0), (162, 128, 1)])
    func attentionMatchesFloat64(level: KernelLevel, shape: (positions: Int, width: Int, misalignment: Int)) throws {
        try Self.require(level)
        let pin = level.pin()
        defer { KernelLevel.unpin(restoring: pin) }
        let executor = ParallelExecutor(threads: 2, level: level)
        var generator = RandomGenerator(seed: 11)
        let batch = 3, T = shape.positions, C = shape.width, heads = C == 128 ? 4 : 2, hs = C / heads
        let misalignment = shape.misalignment
        let qkv = randomFloats(batch * T * 3 * C, &generator)
        let dOut = randomFloats(batch * T * C, &generator)
        var out = [Float](repeating: .nan, count: batch * T * C)
        let kept = CausalSelfAttention.probabilityCount(positions: T)
        let storage = FloatBuffer(count: batch * heads * kept + misalignment)
        storage.pointer.update(repeating: .nan, count: storage.count)
        let probabilities = storage.pointer + misalignment
        var scores = [Float](repeating: .nan, count: executor.threads * CausalSelfAttention.forwardScratchCount(positions: T))
        CausalSelfAttention.forward(output: &out, probabilities: probabilities, scratch: &scores, qkv: qkv,
                                    batch: batch, positions: T, width: C, heads: heads, executor: executor)
        var dQKV = [Float](repeating: .nan, count: qkv.count)
        var scratch = [Float](repeating: .nan, count: executor.threads * CausalSelfAttention.backwardScratchCount(positions: T))
        CausalSelfAttention.backward(qkvGradient: &dQKV, outputGradient: dOut, qkv: qkv, probabilities: probabilities,
                                     scratch: &scratch, batch: batch, positions: T, width: C, heads: heads, executor: executor)
        var rowStart = [Int](), start = 0
        for t in 0..<T {
            rowStart.append(start)
            start += (t / 16 + 1) * 16
        }
        #expect(kept == start)
        let scale = 1 / Double(hs).squareRoot()
        var worstOut: Double = 0, worstGradient: Double = 0, worstProbability: Double = 0
        for b in 0..<batch {
            for h in 0..<heads {
                func q(_ t: Int, _ d: Int) -> Double { Double(qkv[(b * T + t) * 3 * C + h * hs + d]) }
                func k(_ t: Int, _ d: Int) -> Double { Double(qkv[(b * T + t) * 3 * C + C + h * hs + d]) }
                func v(_ t: Int, _ d: Int) -> Double { Double(qkv[(b * T + t) * 3 * C + 2 * C + h * hs + d]) }
                func g(_ t: Int, _ d: Int) -> Double { Double(dOut[(b * T + t) * C + h * hs + d]) }
                var p = [[Double]](repeating: [Double](repeating: 0, count: T), count: T)
                for t in 0..<T {
                    let scores = (0...t).map { s in scale * (0..<hs).reduce(0) { $0 + q(t, $1) * k(s, $1) } }
                    let top = scores.max() ?? 0
                    let e = scores.map { exp($0 - top) }
                    let total = e.reduce(0, +)
                    for s in 0...t { p[t][s] = e[s] / total }
                }
                var dQ = [[Double]](repeating: [Double](repeating: 0, count: hs), count: T), dK = dQ, dV = dQ
                for t in 0..<T {
                    for d in 0..<hs {
                        let o = (0...t).reduce(0) { $0 + p[t][$1] * v($1, d) }
                        worstOut = worse(worstOut, abs(Double(out[(b * T + t) * C + h * hs + d]) - o))
                    }
                    for s in 0..<((t / 16 + 1) * 16) {
                        let stored = Double(probabilities[(b * heads + h) * kept + rowStart[t] + s])
                        worstProbability = worse(worstProbability, abs(stored - (s < T ? p[t][s] : 0)))
                    }
                    let dP = (0...t).map { s in (0..<hs).reduce(0) { $0 + g(t, $1) * v(s, $1) } }
                    let inner = (0...t).reduce(0) { $0 + p[t][$1] * dP[$1] }
                    for s in 0...t {
                        let dS = p[t][s] * (dP[s] - inner)
                        for d in 0..<hs {
                            dQ[t][d] += scale * dS * k(s, d)
                            dK[s][d] += scale * dS * q(t, d)
                            dV[s][d] += p[t][s] * g(t, d)
                        }
                    }
                }
                for t in 0..<T {
                    for d in 0..<hs {
                        let row = (b * T + t) * 3 * C + h * hs + d
                        worstGradient = worse(worstGradient, abs(Double(dQKV[row]) - dQ[t][d]))
                        worstGradient = worse(worstGradient, abs(Double(dQKV[row + C]) - dK[t][d]))
                        worstGradient = worse(worstGradient, abs(Double(dQKV[row + 2 * C]) - dV[t][d]))
                    }
                }
            }
        }
        #expect(worstProbability < 1e-5, "probabilities (zero above the diagonal): \(worstProbability)")
        #expect(worstOut < 1e-5, "output: \(worstOut)")
        #expect(worstGradient < 1e-4, "dQKV: \(worstGradient)")
    }
}

/// Conv1D's input gradient (dOutput weight^T)[row, column] in Float64, and the sum of its
/// terms' magnitudes (what bounds a Float32 sum's error).
private func float64InputGradient(
    _ dOutput: [Float], _ weight: [Float], row r: Int, column i: Int, outputWidth: Int
) -> (value: Double, magnitude: Double) {
    var sum: Double = 0, magnitude: Double = 0
    for o in 0..<outputWidth {
        let term = Double(dOutput[r * outputWidth + o]) * Double(weight[i * outputWidth + o])
        sum += term
        magnitude += abs(term)
    }
    return (sum, magnitude)
}

/// Which input gradient `conv1DBackwardMatchesFloat64` asks Conv1D.backward for.
enum Conv1DInputGradientCase: Sendable, CaseIterable {
    case none, plain, throughGELU
}

enum OwnGemmTriangleCase: Sendable, CustomTestStringConvertible {
    case lowerOutput, lowerA, upperA, upperATransposed, lowerATransposed
    var testDescription: String { "\(self)" }
}
