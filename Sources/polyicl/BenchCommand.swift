import ArgumentParser
import Foundation
import PolyICLCore

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure training and evaluation speed on random weights and random prompts.",
        discussion: """
            train: forward + loss + backward + Adam on one batch, repeated (--batch, default 64;
            --points, default the preset's maximum). eval: predictions for --batch prompts
            (default 1,280) of --points points (default 31), repeated. peak: the machine's
            arithmetic ceiling at this moment, every worker running register-only FMAs at once,
            AVX-512 or AVX2 (train and eval figures are best read against it on a shared
            machine). Each reports the kernel level it ran at (isa): the widest the CPU has, or
            the environment's POLYICL_ISA (avx512, avx2, baseline = OpenBLAS and portable C).
            allreduce (under mpirun -np N): the time of one MPI_Allreduce of the preset's gradients,
            the median of --steps sums. train under mpirun: steps/s of data-parallel training, the
            batch shared by the ranks.
            """
    )

    enum Mode: String, ExpressibleByArgument, CaseIterable {
        case train, eval, peak, allreduce
    }

    @Argument(help: "What to measure: train, eval, peak or allreduce.")
    var mode: Mode

    @Option(help: "Model preset: \(ModelConfiguration.presets.map(\.name).joined(separator: ", ")).")
    var preset = "standard"

    @Option(help: "Measure this trained checkpoint's weights (its configuration replaces --preset): trained models make subnormal floats that fresh weights do not.")
    var checkpoint: String?

    @Option(help: "Prompts per batch (default: 64 for train, 1280 for eval).")
    var batch: Int?

    @Option(help: "Points per prompt (default: the preset's maximum for train, 31 for eval).")
    var points: Int?

    @Option(help: "Worker threads, also used for OpenBLAS (default: all cores).")
    var threads: Int?

    @Option(help: "Timed repetitions after warm-up.")
    var steps = 10

    @Option(help: "Untimed repetitions first.")
    var warmup = 2

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        guard let configuration = ModelConfiguration.preset(named: preset) else {
            throw ValidationError("unknown preset '\(preset)': expected one of \(ModelConfiguration.presets.map(\.name).joined(separator: ", "))")
        }
        if let batch, batch < 1 { throw ValidationError("--batch \(batch) is not valid: expected at least 1 prompt") }
        if let points, !(1...configuration.points).contains(points) {
            throw ValidationError("--points \(points) is not valid: preset '\(preset)' takes 1 to \(configuration.points) points")
        }
        if let threads, threads < 1 { throw ValidationError("--threads \(threads) is not valid: expected at least 1") }
        if steps < 1 { throw ValidationError("--steps \(steps) is not valid: expected at least 1") }
        if warmup < 0 { throw ValidationError("--warmup \(warmup) is not valid: expected 0 or more") }
    }

    struct Report: Codable {
        var mode: String
        var preset: String
        var batch: Int
        var points: Int
        var threads: Int
        var steps: Int
        var seconds: Double
        var stepsPerSecond: Double
        var tokensPerSecond: Double
        var gflopPerStep: Double
        var gflopsPerSecond: Double
        var sequencesPerSecond: Double?
        var openblasCoretype: String?
        /// MPI ranks sharing each batch (nil: one process).
        var ranks: Int?
        /// The trained checkpoint measured (nil: fresh weights of the preset).
        var checkpoint: String?
        var isa: String
    }

    struct AllreduceReport: Codable {
        var mode = "allreduce"
        var preset: String
        var ranks: Int
        var floats: Int
        var seconds: Double
        var gigabytesPerSecond: Double
    }

    struct PeakReport: Codable {
        var mode = "peak"
        var isa: String
        var threads: Int
        var gflopsPerSecond: Double
        var gflopsPerThread: [Double]
    }

    func run() throws {
        let group = try MPIGroup.joinIfLaunched()
        defer { group?.finish() }
        switch mode {
        case .train: try runModel(training: true, group: group)
        case .eval: try runModel(training: false, group: nil)
        case .peak: try runPeak()
        case .allreduce: try runAllreduce(group: group)
        }
    }

    private func runAllreduce(group: MPIGroup?) throws {
        guard let group, let configuration = ModelConfiguration.preset(named: preset) else {
            throw ValidationError("bench allreduce times MPI's sum across ranks: run it as `mpirun -np 2 polyicl bench allreduce`")
        }
        let floats = configuration.parameterCount
        let seconds = try group.timeSum(count: floats, repetitions: steps)
        guard group.rank == 0 else { return }
        let report = AllreduceReport(preset: preset, ranks: group.size, floats: floats, seconds: seconds,
                                     gigabytesPerSecond: Double(floats * 4) / seconds / 1e9)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("allreduce \(preset): \(floats) floats over \(group.size) ranks")
            print("  \(fixed(seconds * 1000, 3)) ms per sum (median of \(steps)), \(fixed(report.gigabytesPerSecond, 2)) GB/s of gradients")
        }
    }

    private func runModel(training: Bool, group: MPIGroup?) throws {
        let trained = try checkpoint.map { try CheckpointFile.load(URL(fileURLWithPath: $0)) }
        guard let configuration = trained?.configuration ?? ModelConfiguration.preset(named: preset) else { return }
        if let points, points > configuration.points {
            throw ValidationError("--points \(points) is not valid: \(checkpoint ?? preset) takes 1 to \(configuration.points) points")
        }
        let batchSize = batch ?? (training ? 64 : 1280)
        let pointCount = points ?? (training ? configuration.points : min(31, configuration.points))
        var generator = RandomGenerator(seed: 1)
        let model = try TransformerModel(configuration: configuration, generator: &generator,
                                         threads: threads ?? group.map { _ in MPIGroup.defaultThreads() })
        if let trained { try model.setParameters(trained.parameters) }
        var prompts = PromptBatch(count: batchSize, points: pointCount, inputDimension: configuration.inputDimension)
        for i in prompts.xs.indices { prompts.xs[i] = Float(generator.nextUniform(-1, 1)) }
        for i in prompts.ys.indices { prompts.ys[i] = Float(generator.nextNormal()) }
        if trained != nil, configuration.inputDimension == 1 {
            // A trained model measured on prompts like those it learnt (Chebyshev, degree 0..11).
            try ChebyshevTask(degrees: 0...11).fill(&prompts, using: &generator)
        }

        let work: () throws -> Void
        let flopsPerStep: Double
        if training {
            let optimizer = AdamOptimizer(parameterCount: model.parameterCount, executor: model.executor)
            let ranges = model.trainableRanges
            model.reserve(batch: group.map { $0.share(of: batchSize).count } ?? batchSize, points: pointCount)
            let share = group.map { $0.share(of: batchSize) } ?? 0..<batchSize
            var shareBatch = PromptBatch(count: share.count, points: pointCount, inputDimension: configuration.inputDimension)
            shareBatch.copyPrompts(share, of: prompts)
            let shareWeight = Float(share.count) / Float(batchSize)
            work = {
                try model.trainingStep(shareBatch, loss: MeanSquaredError())
                if let group, group.size > 1 {
                    try model.withGradients { g in
                        for i in g.indices { g[i] *= shareWeight }
                        try group.sum(g)
                    }
                }
                model.withParameters { p in
                    model.withGradients { g in
                        optimizer.update(parameters: p.baseAddress!, gradients: g.baseAddress!, ranges: ranges, learningRate: 1e-4)
                    }
                }
            }
            flopsPerStep = 3 * configuration.forwardFLOPs(batch: batchSize, points: pointCount)
        } else {
            var output = [Float](repeating: 0, count: batchSize * pointCount)
            work = { try output.withUnsafeMutableBufferPointer { try model.predict(prompts, into: $0) } }
            flopsPerStep = configuration.forwardFLOPs(batch: batchSize, points: pointCount)
        }
        for _ in 0..<warmup { try work() }
        let clock = ContinuousClock()
        let started = clock.now
        for _ in 0..<steps { try work() }
        let elapsed = clock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let perSecond = Double(steps) / seconds
        let report = Report(
            mode: mode.rawValue, preset: preset, batch: batchSize, points: pointCount,
            threads: model.executor.threads, steps: steps, seconds: seconds,
            stepsPerSecond: perSecond, tokensPerSecond: perSecond * Double(batchSize * 2 * pointCount),
            gflopPerStep: flopsPerStep / 1e9, gflopsPerSecond: perSecond * flopsPerStep / 1e9,
            sequencesPerSecond: mode == .eval ? perSecond * Double(batchSize) : nil,
            openblasCoretype: ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"],
            ranks: group.flatMap { $0.size > 1 ? $0.size : nil }, checkpoint: checkpoint, isa: KernelLevel.process.name)
        guard (group?.rank ?? 0) == 0 else { return }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            let processes = report.ranks.map { "\($0) MPI ranks x \(report.threads) threads" } ?? "\(report.threads) threads"
            print("\(mode.rawValue) \(checkpoint ?? preset): batch \(batchSize) x \(pointCount) points, \(processes), isa \(report.isa), OPENBLAS_CORETYPE=\(report.openblasCoretype ?? "unset")")
            print("  \(fixed(report.stepsPerSecond, 2)) steps/s, \(fixed(report.tokensPerSecond, 0)) tokens/s, \(fixed(report.gflopsPerSecond, 1)) GFLOP/s (\(fixed(report.gflopPerStep, 1)) GFLOP per step)")
            if let sequences = report.sequencesPerSecond { print("  \(fixed(sequences, 0)) sequences/s") }
        }
    }

    private func runPeak() throws {
        let workers = threads ?? ParallelExecutor.availableCores
        let level = KernelLevel.process
        guard let perThread = ArithmeticPeak.measure(threads: workers) else {
            throw ValidationError("bench peak measures AVX-512 or AVX2 FMAs, and the kernel level is \(level.name)")
        }
        let report = PeakReport(isa: level.name, threads: workers, gflopsPerSecond: perThread.reduce(0, +),
                                gflopsPerThread: perThread)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("peak: \(workers) threads of register-only \(level == .avx512 ? "AVX-512" : "AVX2") FMAs, isa \(level.name)")
            print("  \(fixed(report.gflopsPerSecond, 1)) GFLOP/s (per thread: \(perThread.map { fixed($0, 1) }.joined(separator: ", ")))")
        }
    }

    private func fixed(_ value: Double, _ digits: Int) -> String {
        let scale = pow(10, Double(digits))
        let rounded = (value * scale).rounded() / scale
        return digits == 0 ? String(Int(rounded)) : String(rounded)
    }
}
