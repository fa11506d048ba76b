import Testing
@testable import PolyICLCore

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Kernels against plain definitions: GEMM split across workers vs a triple loop, exp vs
/// libm, the work partition, Adam vs torch.optim.Adam's documented update, schedules by hand.
@Suite struct KernelTests {
    /// Buffers start zeroed and cache-line aligned whatever their size, including those large
    /// enough to be placed on huge pages, and each one's floats are its own.
    @Test func floatBuffersAreZeroedAlignedAndSeparate() {
        for count in [0, 1, 1_000, 1_048_575, 1_048_576, 3_000_001] {
            let first = FloatBuffer(count: count), second = FloatBuffer(count: count)
            let size = max(1, count)
            #expect(UInt(bitPattern: first.pointer) % 64 == 0, "\(count) floats: not 64-byte aligned")
            #expect(first.buffer.allSatisfy { $0 == 0 } && first.pointer[0] == 0, "\(count) floats: not zeroed")
            first.pointer.update(repeating: 1, count: size)
            #expect(second.pointer[0] == 0 && second.pointer[size - 1] == 0, "\(count) floats: buffers overlap")
            #expect(first.pointer[size - 1] == 1)
        }
    }

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func parallelGemmMatchesTripleLoop(transposeA: Bool, transposeB: Bool) {
        var generator = RandomGenerator(seed: 8)
        let executor = ParallelExecutor(threads: 3)
        // Tall (split by rows, uneven last slice) and wide (split by columns) products.
        for (m, n, k) in [(203, 40, 150), (40, 203, 150)] {
            let a = randomFloats(m * k, &generator), b = randomFloats(k * n, &generator)
            var c = randomFloats(m * n, &generator)
            let c0 = c
            let lda = transposeA ? m : k, ldb = transposeB ? k : n
            ParallelGemm.multiply(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                  alpha: 0.5, a: a, lda: lda, b: b, ldb: ldb, beta: 2, c: &c, ldc: n, executor: executor)
            var worst: Double = 0
            for i in 0..<m {
                for j in 0..<n {
                    var sum: Double = 0
                    for p in 0..<k {
                        let x = transposeA ? a[p * lda + i] : a[i * lda + p]
                        let y = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                        sum += Double(x) * Double(y)
                    }
                    worst = worse(worst, abs(0.5 * sum + 2 * Double(c0[i * n + j]) - Double(c[i * n + j])))
                }
            }
            #expect(worst < 1e-3, "m=\(m) n=\(n) k=\(k): worst difference \(worst)")
        }
    }

    @Test func causalSoftmaxExponentialMatchesLibm() {
        // Rows [0, x]: the maximum is 0, so the second probability is exp(x) / (1 + exp(x))
        // through the kernel's polynomial exp over its whole range.
        var worst: Double = 0
        var x: Float = -87
        var rows: [Float] = []
        while x <= 0 {
            rows += [0, x, 123]  // the third column is in the future of row 0 and row 1
            x += 0.003_1
        }
        let count = rows.count / 3
        var scores = rows
        for r in 0..<count {
            scores.withUnsafeMutableBufferPointer {
                CausalSelfAttention.softmaxCausal($0.baseAddress! + 3 * r, rows: 1, columns: 3, stride: 3, firstRow: 1)
            }
            let e = Foundation_exp(Double(rows[3 * r + 1]))
            worst = worse(worst, abs(Double(scores[3 * r + 1]) - e / (1 + e)) / (e / (1 + e)))
            #expect(scores[3 * r + 2] == 0)
        }
        #expect(worst < 1e-6, "worst relative error \(worst)")
    }

    @Test func causalSoftmaxMatchesDoublePrecision() {
        var generator = RandomGenerator(seed: 9)
        // 37 columns: two 16-lane blocks and a tail; a block starting at row 5 of the sequence.
        for (rows, columns, firstRow) in [(37, 37, 0), (11, 37, 5)] {
            let input = randomFloats(rows * columns, &generator, scale: 4)
            var scores = input
            scores.withUnsafeMutableBufferPointer {
                CausalSelfAttention.softmaxCausal($0.baseAddress!, rows: rows, columns: columns, stride: columns, firstRow: firstRow)
            }
            for t in 0..<rows {
                let visible = min(columns, firstRow + t + 1)
                let row = input[(t * columns)..<(t * columns + visible)].map(Double.init)
                let top = row.max() ?? 0
                let total = row.reduce(0) { $0 + Foundation_exp($1 - top) }
                for j in 0..<columns {
                    let expected = j < visible ? Foundation_exp(row[j] - top) / total : 0
                    #expect(abs(Double(scores[t * columns + j]) - expected) < 1e-6, "row \(t) column \(j)")
                }
            }
        }
    }

    @Test func chunksCoverEveryItemOnce() {
        for count in [1, 2, 7, 64, 1001] {
            for workers in 1...5 where workers <= count {
                let ranges = (0..<workers).map { ParallelExecutor.chunk($0, of: workers, count: count) }
                #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == count)
                for i in 1..<ranges.count { #expect(ranges[i].lowerBound == ranges[i - 1].upperBound) }
                #expect(ranges.map(\.count).max()! - ranges.map(\.count).min()! <= 1)
            }
        }
    }

    @Test func adamFollowsTheTorchUpdate() {
        let settings = AdamSettings(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01)
        let count = 37
        var generator = RandomGenerator(seed: 6)
        var parameters = randomFloats(count, &generator)
        var expected = parameters.map(Double.init)
        var m = [Double](repeating: 0, count: count), v = m
        let optimizer = AdamOptimizer(parameterCount: count, settings: settings, executor: ParallelExecutor(threads: 2))
        for step in 1...3 {
            let gradients = randomFloats(count, &generator)
            // torch.optim.Adam (L2 weight decay), in Double.
            for i in 0..<count {
                let g = Double(gradients[i]) + 0.01 * expected[i]
                m[i] = 0.9 * m[i] + 0.1 * g
                v[i] = 0.999 * v[i] + 0.001 * g * g
                let mHat = m[i] / (1 - pow(0.9, Double(step))), vHat = v[i] / (1 - pow(0.999, Double(step)))
                expected[i] -= 1e-2 * mHat / (vHat.squareRoot() + 1e-8)
            }
            // Only [0, 20) and [25, 37) train; [20, 25) must not move.
            optimizer.update(parameters: &parameters, gradients: gradients, ranges: [0..<20, 25..<37], learningRate: 1e-2)
        }
        for i in 0..<count where !(20..<25).contains(i) {
            #expect(abs(Double(parameters[i]) - expected[i]) < 1e-5, "parameter \(i)")
        }
    }

    @Test func schedulesAndCurriculumByHand() {
        let schedule = LearningRateSchedule.warmupCosine(warmupSteps: 4, minimumFactor: 0.1)
        #expect(schedule.rate(base: 1, step: 0, totalSteps: 14) == 0.25)
        #expect(schedule.rate(base: 1, step: 3, totalSteps: 14) == 1)
        #expect(abs(schedule.rate(base: 1, step: 13, totalSteps: 14) - 0.1) < 1e-6)
        // Halfway through the cosine part (steps 4...13): factor 0.1 + 0.9 * 0.5.
        #expect(abs(schedule.rate(base: 2, step: 8, totalSteps: 14) - 2 * (0.1 + 0.45 * (1 + Float(cos(Double.pi * 4 / 9))))) < 1e-6)
        let curriculum = Curriculum(start: 5, increment: 2, interval: 2000, end: 81)
        #expect(curriculum.points(atStep: 0) == 5)
        #expect(curriculum.points(atStep: 1999) == 5)
        #expect(curriculum.points(atStep: 2000) == 7)
        #expect(curriculum.points(atStep: 10_000_000) == 81)
    }

    @Test func clippingScalesToTheMaximumNorm() {
        var gradients: [Float] = [3, 4, 100, 0]
        let norm = clipGradientNorm(&gradients, ranges: [0..<2], maximum: 1)
        #expect(norm == 5)
        #expect(abs(gradients[0] - 0.6) < 1e-6 && abs(gradients[1] - 0.8) < 1e-6 && gradients[2] == 100)
    }
}

private func Foundation_exp(_ x: Double) -> Double { exp(x) }
