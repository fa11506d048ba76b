import Foundation
import Testing
import PolyICLCore

@Suite struct TaskTests {
    @Test func chebyshevRecurrenceMatchesClosedForms() {
        var values = [Double](repeating: 0, count: 6)
        for x in [-1.0, -0.3, 0, 0.5, 0.9, 2.0] {
            values.withUnsafeMutableBufferPointer { Chebyshev.fill($0, degree: 5, at: x) }
            #expect(values[0] == 1)
            #expect(values[1] == x)
            #expect(abs(values[2] - (2 * x * x - 1)) < 1e-12)
            #expect(abs(values[3] - (4 * x * x * x - 3 * x)) < 1e-12)
            #expect(abs(values[4] - (8 * pow(x, 4) - 8 * x * x + 1)) < 1e-12)
            #expect(abs(values[5] - (16 * pow(x, 5) - 20 * pow(x, 3) + 5 * x)) < 1e-12)
            // cos(n acos x) on [-1, 1].
            if abs(x) <= 1 { for n in 0...5 { #expect(abs(values[n] - cos(Double(n) * acos(x))) < 1e-12) } }
            let coefficients = [0.5, -1.0, 2.0, 0.25, -0.75, 1.5]
            let direct = zip(coefficients, values).map { $0 * $1 }.reduce(0, +)
            #expect(abs(ChebyshevPolynomial(coefficients: coefficients)(x) - direct) < 1e-12)
        }
        #expect(ChebyshevPolynomial(coefficients: [3])(0.7) == 3)
    }

    @Test func sameSeedGivesTheSamePromptsBitForBit() throws {
        let task = try ChebyshevTask(degrees: 0...11, noiseVariance: 0.5)
        var a = PromptBatch(count: 16, points: 31), b = PromptBatch(count: 16, points: 31)
        var g1 = RandomGenerator(seed: 42), g2 = RandomGenerator(seed: 42), g3 = RandomGenerator(seed: 43)
        task.fill(&a, using: &g1)
        task.fill(&b, using: &g2)
        #expect(a.xs.map(\.bitPattern) == b.xs.map(\.bitPattern))
        #expect(a.ys.map(\.bitPattern) == b.ys.map(\.bitPattern))
        task.fill(&b, using: &g3)
        #expect(a.xs != b.xs)
        let linear = try LinearRegressionTask(dimension: 5, noiseVariance: 0.1)
        var c = PromptBatch(count: 4, points: 10, inputDimension: 5), d = c
        var g4 = RandomGenerator(seed: 7), g5 = RandomGenerator(seed: 7)
        linear.fill(&c, using: &g4)
        linear.fill(&d, using: &g5)
        #expect(c == d)
    }

    /// The documented draw order, replayed by hand with the generator.
    @Test func chebyshevDrawsFollowTheDocumentedOrder() throws {
        let task = try ChebyshevTask(degrees: 2...4, fixedCoefficients: 1, noiseVariance: 0.25, clampThreshold: 0.5)
        var batch = PromptBatch(count: 3, points: 5)
        var generator = RandomGenerator(seed: 9)
        task.fill(&batch, using: &generator)
        var replay = RandomGenerator(seed: 9)
        for prompt in 0..<3 {
            let degree = 2 + replay.nextInt(below: 3)
            var c = [1.0]
            for _ in 1...degree { c.append(replay.nextNormal()) }
            let xs = (0..<5).map { _ in Float(replay.nextUniform(-1, 1)) }
            for i in 0..<5 {
                let y = min(ChebyshevPolynomial(coefficients: c)(Double(xs[i])) + 0.5 * replay.nextNormal(), 0.5)
                #expect(batch.xs[prompt * 5 + i] == xs[i])
                #expect(batch.ys[prompt * 5 + i] == Float(y))
            }
        }
    }

    @Test func chebyshevOptionsShapeThePrompts() throws {
        // Clean values are the noise-free p(x); noise has the asked variance; clamping caps y.
        let task = try ChebyshevTask(degrees: 5...5, fixedCoefficients: 3, noiseVariance: 0.5, clampThreshold: 0.5, xLower: 0, xUpper: 2)
        var batch = PromptBatch(count: 2000, points: 20)
        var clean: [Float] = []
        var generator = RandomGenerator(seed: 1)
        task.fill(&batch, cleanValues: &clean, using: &generator)
        #expect(batch.ys.allSatisfy { $0 <= 0.5 })
        #expect(batch.xs.allSatisfy { $0 >= 0 && $0 <= 2 })
        let xMean = batch.xs.reduce(0.0) { $0 + Double($1) } / Double(batch.xs.count)
        #expect(abs(xMean - 1) < 0.01)
        // Where neither clamp could bite (clean < 0.5 - 6 sigma), y - clean is the noise.
        var noise: [Double] = []
        for k in batch.ys.indices where Double(clean[k]) < 0.5 - 6 * 0.71 { noise.append(Double(batch.ys[k]) - Double(clean[k])) }
        #expect(noise.count > 5000)
        let mean = noise.reduce(0, +) / Double(noise.count)
        let variance = noise.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(noise.count)
        #expect(abs(mean) < 0.03)
        #expect(abs(variance - 0.5) < 0.03)
        // The first three coefficients are fixed to 1, the others drawn.
        var g = RandomGenerator(seed: 3)
        let polynomial = task.samplePolynomial(using: &g)
        #expect(polynomial.degree == 5)
        #expect(Array(polynomial.coefficients.prefix(3)) == [1, 1, 1])
        #expect(polynomial.coefficients[3...].allSatisfy { $0 != 1 })
    }

    @Test func degreesAreUniformOverTheRange() throws {
        let task = try ChebyshevTask(degrees: 0...3)
        var counts = [Int](repeating: 0, count: 4)
        var generator = RandomGenerator(seed: 5)
        for _ in 0..<8000 { counts[task.samplePolynomial(using: &generator).degree] += 1 }
        for count in counts { #expect(abs(count - 2000) < 150) }
    }

    @Test func linearRegressionIsLinearAndShifted() throws {
        let task = try LinearRegressionTask(dimension: 3, xShift: 2, xScale: 0.5, wShift: -1, wScale: 2)
        var batch = PromptBatch(count: 400, points: 25, inputDimension: 3)
        var clean: [Float] = []
        var generator = RandomGenerator(seed: 11)
        task.fill(&batch, cleanValues: &clean, using: &generator)
        #expect(clean == batch.ys)  // no noise
        let xs = batch.xs.map(Double.init)
        let mean = xs.reduce(0, +) / Double(xs.count)
        let sd = (xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(xs.count)).squareRoot()
        #expect(abs(mean - 2) < 0.02)
        #expect(abs(sd - 0.5) < 0.02)
        // y = w.x exactly: three points determine w, the others must agree.
        for prompt in 0..<5 {
            func x(_ i: Int, _ j: Int) -> Double { Double(batch.xs[(prompt * 25 + i) * 3 + j]) }
            let y = (0..<25).map { Double(batch.ys[prompt * 25 + $0]) }
            // Solve the 3x3 system by Cramer's rule.
            func det(_ m: [[Double]]) -> Double {
                m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                    + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
            }
            let a = (0..<3).map { i in (0..<3).map { j in x(i, j) } }
            let w = (0..<3).map { column in det(a.enumerated().map { i, row in row.enumerated().map { $0.offset == column ? y[i] : $0.element } }) / det(a) }
            for i in 3..<25 {
                let predicted = (0..<3).map { w[$0] * x(i, $0) }.reduce(0, +)
                #expect(abs(predicted - y[i]) < 1e-3 * max(1, abs(y[i])))
            }
        }
    }

    @Test func badSettingsSayWhatIsWrong() {
        #expect(throws: TaskError.self) { try ChebyshevTask(degrees: -1...3) }
        #expect(throws: TaskError.self) { try ChebyshevTask(degrees: 0...1_000_000_000) }
        let fixed = #expect(throws: TaskError.self) { try ChebyshevTask(degrees: 2...5, fixedCoefficients: 4) }
        #expect(fixed?.description.contains("0...3") == true)
        #expect(throws: TaskError.self) { try ChebyshevTask(degrees: 0...3, noiseVariance: -1) }
        #expect(throws: TaskError.self) { try ChebyshevTask(degrees: 0...3, xLower: 1, xUpper: 1) }
        #expect(throws: TaskError.self) { try LinearRegressionTask(dimension: 0) }
        #expect(throws: TaskError.self) { try LinearRegressionTask(dimension: 2, xScale: -1) }
    }
}

@Suite struct FilePromptsTests {
    func makePrompts(prompts: Int = 6, points: Int = 4, dims: Int = 1) throws -> FilePrompts {
        let xs = (0..<(prompts * points * dims)).map { Double($0) }
        let ys = (0..<(prompts * points)).map { Double($0) * 10 }
        return try FilePrompts(
            xs: NumpyArray(shape: dims == 1 ? [prompts, points] : [prompts, points, dims], values: xs),
            ys: NumpyArray(shape: [prompts, points], values: ys))
    }

    @Test func fullBatchIsEveryPromptInFileOrder() throws {
        let source = try makePrompts()
        var batch = PromptBatch(count: 6, points: 4)
        var generator = RandomGenerator(seed: 1)
        for _ in 0..<3 {
            source.fill(&batch, using: &generator)
            #expect(batch.xs == (0..<24).map(Float.init))
            #expect(batch.ys == (0..<24).map { Float($0 * 10) })
        }
    }

    @Test func smallerBatchesAreDrawnWithoutReplacementAndTakeTheFirstPoints() throws {
        let source = try makePrompts(prompts: 10, points: 5, dims: 2)
        var batch = PromptBatch(count: 7, points: 3, inputDimension: 2)
        var generator = RandomGenerator(seed: 2)
        var seenAll = Set<Int>()
        for _ in 0..<20 {
            source.fill(&batch, using: &generator)
            var prompts: [Int] = []
            for slot in 0..<7 {
                let prompt = Int(batch.xs[slot * 6]) / 10
                prompts.append(prompt)
                #expect(batch.xs[(slot * 6)..<(slot * 6 + 6)].elementsEqual((0..<6).map { Float(prompt * 10 + $0) }))
                #expect(batch.ys[(slot * 3)..<(slot * 3 + 3)].elementsEqual((0..<3).map { Float((prompt * 5 + $0) * 10) }))
            }
            #expect(Set(prompts).count == 7)
            seenAll.formUnion(prompts)
        }
        #expect(seenAll.count == 10)
    }

    @Test func mismatchesAndBadValuesAreNamed() throws {
        let shapeError = #expect(throws: FileFormatError.self) {
            try FilePrompts(xs: NumpyArray(shape: [3, 4], values: [Double](repeating: 0, count: 12)),
                            ys: NumpyArray(shape: [3, 5], values: [Double](repeating: 0, count: 15)), xsName: "a/xs.npy", ysName: "a/ys.npy")
        }
        #expect(shapeError?.file == "a/ys.npy")
        #expect(shapeError?.problem.contains("[3, 4]") == true)
        var values = [Double](repeating: 0, count: 12)
        values[6] = .nan
        let nanError = #expect(throws: FileFormatError.self) {
            try FilePrompts(xs: NumpyArray(shape: [3, 4], values: [Double](repeating: 0, count: 12)),
                            ys: NumpyArray(shape: [3, 4], values: values), xsName: "xs.npy", ysName: "ys.npy")
        }
        #expect(nanError?.file == "ys.npy")
        #expect(nanError?.problem.contains("prompt 1, point 2") == true)
        let source = try makePrompts()
        #expect(throws: FileFormatError.self) { try source.check(count: 6, points: 5) }
        #expect(throws: FileFormatError.self) { try source.check(count: 7, points: 4) }
        #expect(throws: Never.self) { try source.check(count: 6, points: 4) }
    }

    @Test func writtenBatchesReadBackExactly() throws {
        let directory = try DataTestSupport.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var batch = PromptBatch(count: 5, points: 7, inputDimension: 3)
        var generator = RandomGenerator(seed: 4)
        try LinearRegressionTask(dimension: 3, noiseVariance: 0.5).fill(&batch, using: &generator)
        let xsFile = directory.appendingPathComponent("xs.npy"), ysFile = directory.appendingPathComponent("ys.npy")
        try FilePrompts.write(batch, xsFile: xsFile, ysFile: ysFile)
        let source = try FilePrompts(xsFile: xsFile, ysFile: ysFile)
        var back = PromptBatch(count: 5, points: 7, inputDimension: 3)
        source.fill(&back, using: &generator)
        #expect(back == batch)
        let output = try DataTestSupport.runPython("""
            import numpy as np
            xs, ys = np.load('xs.npy'), np.load('ys.npy')
            print(xs.shape, ys.shape, xs.dtype, ys.dtype)
            """, in: directory)
        #expect(output.contains("(5, 7, 3) (5, 7) float32 float32"))
    }

    @Test func readsNumPyFiles() throws {
        let directory = try DataTestSupport.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try DataTestSupport.runPython("""
            import numpy as np
            np.save('xs.npy', np.linspace(-1, 1, 12).reshape(3, 4))
            np.save('ys.npy', (np.linspace(-1, 1, 12) ** 2).reshape(3, 4).astype(np.float32))
            """, in: directory)
        let source = try FilePrompts(xsFile: directory.appendingPathComponent("xs.npy"), ysFile: directory.appendingPathComponent("ys.npy"))
        #expect(source.promptCount == 3 && source.pointCount == 4 && source.inputDimension == 1)
        var batch = PromptBatch(count: 3, points: 4)
        var generator = RandomGenerator(seed: 0)
        source.fill(&batch, using: &generator)
        for k in 0..<12 {
            let x = -1 + 2 * Double(k) / 11
            #expect(batch.xs[k] == Float(x))
            #expect(abs(batch.ys[k] - Float(x * x)) < 1e-6)
        }
    }
}
