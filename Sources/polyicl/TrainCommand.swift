import ArgumentParser
import Foundation
import PolyICLCore

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Pretrain or continue training a model.",
        discussion: """
            A new model comes from --preset (default standard), changed by any of --dim, --layers, \
            --heads, --points, --no-positions. --init CKPT continues from a checkpoint instead: its \
            configuration wins, and a size option that disagrees with it is an error.

            Every step draws a fresh batch from the task, or from the --xs/--ys prompts (with --batch \
            equal to the number of prompts every step uses all of them, in file order). Parameter \
            groups for --freeze: read_in, wpe, h.0 ... h.N, ln_f, read_out.

            Ctrl-C stops after the current step and saves what was done to --out (exit status 130).

            Example: polyicl train --preset small --degree 0..11 --steps 20000 --lr 1e-3 \
            --curriculum 5..41 --every 500 --out models/small.safetensors
            """
    )

    enum OptimizerName: String, ExpressibleByArgument, CaseIterable { case adam, sgd }
    enum ScheduleName: String, ExpressibleByArgument, CaseIterable { case constant, cosine }

    @Option(help: "Model preset: \(ModelConfiguration.presets.map(\.name).joined(separator: ", ")) (default standard).")
    var preset: String?
    @Option(help: "Width of the residual stream (n_embd).") var dim: Int?
    @Option(help: "Number of transformer blocks.") var layers: Int?
    @Option(help: "Attention heads (must divide --dim). With --init: the head count of a file without n_head metadata.")
    var heads: Int?
    @Option(help: "Largest number of (x, y) points in a prompt (the model has 2x positions).") var points: Int?
    @Flag(name: .customLong("no-positions"), help: "No learned position embeddings (paper appendix A.7).")
    var noPositions = false
    @Option(help: "Continue training this checkpoint (its optimiser state is not saved: Adam restarts).")
    var `init`: String?

    @OptionGroup(title: "Task") var taskOptions: TaskOptions

    @Option(help: "Training steps.") var steps = 1000
    @Option(help: "Prompts per batch.") var batch = 64
    @Option(help: "Learning rate (the paper: 5e-5; Garg et al.: 1e-4).") var lr: Float = 1e-4
    @Option(help: "adam or sgd.") var optimizer: OptimizerName = .adam
    @Option(help: "constant, or cosine (linear warm-up for --warmup steps, then a half cosine to 0).")
    var schedule: ScheduleName = .constant
    @Option(help: "Warm-up steps of the cosine schedule.") var warmup = 0
    @Option(help: "Clip the global gradient norm at this value.") var clip: Float?
    @Option(name: .customLong("weight-decay"), help: "Adam weight decay (L2, as torch.optim.Adam).")
    var weightDecay: Float = 0
    @Option(help: "Curriculum on the points per prompt, start..end (the paper: 5..81). Default: always the model's points (or the files').")
    var curriculum: IntegerRange?
    @Option(help: "Curriculum: steps between increments (the paper: 2000).") var every = 2000
    @Option(name: .customLong("curriculum-step"), help: "Curriculum: points added at each increment.")
    var curriculumStep = 2
    @Option(help: "Parameter groups not to train, comma-separated (for example read_in,wpe).")
    var freeze: String?
    @Option(help: "Seed of the one random generator (initial weights and prompts).") var seed: UInt64 = 0
    @Option(help: "Worker threads (default: all cores).") var threads: Int?
    @Option(help: "Where to save the checkpoint (.safetensors).") var out: String
    @Option(name: .customLong("save-every"), help: "Also save to --out every N steps during the run.")
    var saveEvery: Int?

    func validate() throws {
        if let preset, ModelConfiguration.preset(named: preset) == nil {
            throw ValidationError("unknown preset '\(preset)': expected one of \(ModelConfiguration.presets.map(\.name).joined(separator: ", "))")
        }
        if `init` != nil, let preset {
            throw ValidationError("--preset \(preset) and --init both give the model: --init continues a checkpoint with its own configuration")
        }
        for (name, value) in [("dim", dim), ("layers", layers), ("heads", heads), ("points", points)] {
            if let value, value < 1 { throw ValidationError("--\(name) \(value) is not valid: expected at least 1") }
        }
        if steps < 0 { throw ValidationError("--steps \(steps) is not valid: expected 0 or more") }
        if batch < 1 { throw ValidationError("--batch \(batch) is not valid: expected at least 1 prompt") }
        if !(lr.isFinite && lr > 0) { throw ValidationError("--lr \(lr) is not valid: expected a positive number") }
        if warmup < 0 { throw ValidationError("--warmup \(warmup) is not valid: expected 0 or more steps") }
        if warmup > 0 && schedule != .cosine { throw ValidationError("--warmup needs --schedule cosine") }
        if let clip, !(clip.isFinite && clip > 0) { throw ValidationError("--clip \(clip) is not valid: expected a positive norm") }
        if !(weightDecay.isFinite && weightDecay >= 0) { throw ValidationError("--weight-decay \(weightDecay) is not valid: expected 0 or more") }
        if weightDecay > 0 && optimizer != .adam { throw ValidationError("--weight-decay is an Adam setting; it has no effect with --optimizer sgd") }
        if every < 1 { throw ValidationError("--every \(every) is not valid: expected at least 1 step") }
        if curriculumStep < 0 { throw ValidationError("--curriculum-step \(curriculumStep) is not valid: expected 0 or more points") }
        if let curriculum, curriculum.lower < 1 {
            throw ValidationError("--curriculum \(curriculum) is not valid: expected start..end with 1 <= start <= end")
        }
        if let threads, threads < 1 { throw ValidationError("--threads \(threads) is not valid: expected at least 1") }
        if let saveEvery, saveEvery < 1 { throw ValidationError("--save-every \(saveEvery) is not valid: expected at least 1 step") }
    }

    func run() throws {
        var generator = RandomGenerator(seed: seed)
        let outURL = URL(fileURLWithPath: out)
        try checkWritable(outURL)
        let initial: Checkpoint? = try `init`.map { try CheckpointFile.load(URL(fileURLWithPath: $0), heads: heads) }
        let source = try taskOptions.makeSource(modelInputDimension: initial?.configuration.inputDimension)
        let configuration = try modelConfiguration(initial: initial, inputDimension: source.inputDimension)

        let model = try TransformerModel(configuration: configuration, generator: &generator, threads: threads)
        if let initial { try model.setParameters(initial.parameters) }

        var filePoints: Int?
        if let files = source as? FilePrompts { filePoints = files.pointCount }
        let settings = try trainingSettings(configuration: configuration, filePoints: filePoints)
        if let limited = source as? any LimitedPromptSource {
            try limited.check(count: batch, points: settings.curriculum.points(atStep: max(0, steps - 1)))
        }
        do { try settings.validate(for: configuration) } catch let error as TrainingSettingsError {
            throw InputError(error.description)
        }

        let progressLine = ProgressLine()
        progressLine.message(
            "training \(configuration.layers) layers x \(configuration.embedding) wide, \(configuration.heads) heads, "
            + "\(configuration.points) points (\(model.parameterCount) parameters)\(initial == nil ? "" : " from \(`init` ?? "")") "
            + "on \(source), \(steps) steps, batch \(batch), \(optimizer.rawValue) lr \(lr), \(model.executor.threads) threads")

        let interrupt = InterruptHandler()
        let trainer = Trainer(settings: settings)
        let started = Date()
        var losses: [Float] = []
        losses.reserveCapacity(steps)
        var saveError: Error?
        let summary = try trainer.train(
            model: model, source: source, generator: &generator, cancellation: interrupt.flag,
            progress: { progress in
                losses.append(progress.loss)
                progressLine.update(progress)
                if let saveEvery, progress.step % saveEvery == 0, progress.step < progress.totalSteps {
                    do {
                        try save(model: model, initial: initial, source: source, losses: losses,
                                 cancelled: false, started: started, to: outURL)
                    } catch {
                        saveError = error
                        interrupt.flag.cancel()
                    }
                }
            })
        progressLine.finish()
        if let saveError { throw saveError }

        try save(model: model, initial: initial, source: source, losses: summary.losses,
                 cancelled: summary.cancelled, started: started, to: outURL)
        let tail = summary.losses.suffix(100)
        let finalLoss = tail.isEmpty ? "-" : String(format: "%.5f", tail.reduce(0.0) { $0 + Double($1) } / Double(tail.count))
        if summary.cancelled {
            progressLine.message("interrupted after \(summary.stepsCompleted) of \(steps) steps: saved the completed steps to \(out)")
            throw ExitCode(130)
        }
        progressLine.message(
            "done: \(summary.stepsCompleted) steps in \(ProgressLine.duration(summary.elapsed)), "
            + "mean loss of the last \(tail.count) steps \(finalLoss); saved \(out)")
    }

    /// Fails before any training when the checkpoint could not be saved at the end.
    func checkWritable(_ url: URL) throws {
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw InputError("--out \(out): the directory \(directory) does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: directory) else {
            throw InputError("--out \(out): the directory \(directory) is not writable")
        }
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw InputError("--out \(out) is a directory: expected a file name such as model.safetensors")
        }
    }

    /// The new model's configuration, or the initial checkpoint's (checked against any size option).
    func modelConfiguration(initial: Checkpoint?, inputDimension: Int) throws -> ModelConfiguration {
        if let initial {
            let c = initial.configuration
            for (name, given, actual) in [("dim", dim, c.embedding), ("layers", layers, c.layers), ("points", points, c.points)] {
                if let given, given != actual {
                    throw InputError("--\(name) \(given) conflicts with the --init checkpoint, which has \(name) \(actual): drop --\(name) (the checkpoint's configuration is used)")
                }
            }
            if noPositions && c.positionalEmbeddings {
                throw InputError("--no-positions conflicts with the --init checkpoint, which has position embeddings")
            }
            return c
        }
        var c = ModelConfiguration.preset(named: preset ?? "standard") ?? ModelConfiguration(embedding: 128, layers: 6, heads: 4, points: 81)
        if let dim { c.embedding = dim }
        if let layers { c.layers = layers }
        if let heads { c.heads = heads }
        if let points { c.points = points }
        c.positionalEmbeddings = !noPositions
        c.inputDimension = inputDimension
        do { try c.validate() } catch let error as ModelConfigurationError {
            throw InputError("the model is not valid: \(error.description)")
        }
        return c
    }

    func trainingSettings(configuration: ModelConfiguration, filePoints: Int?) throws -> TrainingSettings {
        let available = min(configuration.points, filePoints ?? configuration.points)
        let pointSchedule: Curriculum
        if let curriculum {
            if curriculum.upper > configuration.points {
                throw InputError("--curriculum \(curriculum) goes past the model's \(configuration.points) points: expected an end of at most \(configuration.points)")
            }
            if let filePoints, curriculum.upper > filePoints {
                throw InputError("--curriculum \(curriculum) goes past the \(filePoints) points per prompt of \(taskOptions.xs ?? "the files")")
            }
            pointSchedule = Curriculum(start: curriculum.lower, increment: curriculumStep, interval: every, end: curriculum.upper)
        } else {
            pointSchedule = .fixed(available)
        }
        var frozen = Set<String>()
        if let freeze {
            frozen = Set(freeze.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        }
        return TrainingSettings(
            steps: steps, batchSize: batch, learningRate: lr,
            optimizer: optimizer == .adam ? .adam(AdamSettings(weightDecay: weightDecay)) : .sgd,
            schedule: schedule == .cosine ? .warmupCosine(warmupSteps: warmup, minimumFactor: 0) : .constant,
            gradientClip: clip, curriculum: pointSchedule, frozenGroups: frozen)
    }

    /// Saves the model with the history of `initial` plus this run (`losses` so far).
    func save(model: TransformerModel, initial: Checkpoint?, source: any PromptSource, losses: [Float],
              cancelled: Bool, started: Date, to url: URL) throws {
        let curve = TrainingHistory.downsample(losses)
        var run: [String: Any] = [
            "program": "polyicl train",
            "started": ISO8601DateFormatter().string(from: started),
            "task": String(describing: source),
            "steps_planned": steps,
            "steps_done": losses.count,
            "interrupted": cancelled,
            "batch": batch,
            "lr": Double(lr),
            "optimizer": optimizer.rawValue,
            "schedule": schedule.rawValue,
            "seed": String(seed),
            "loss_every": curve.every,
            "loss": curve.means.map { $0.isFinite ? TrainingHistory.compact($0) as Any : NSNull() },
        ]
        if schedule == .cosine { run["warmup"] = warmup }
        if let clip { run["clip"] = Double(clip) }
        if weightDecay > 0 { run["weight_decay"] = Double(weightDecay) }
        if let curriculum { run["curriculum"] = ["start": curriculum.lower, "end": curriculum.upper, "step": curriculumStep, "every": every] }
        if let freeze { run["freeze"] = freeze }
        if let initPath = `init` { run["init"] = initPath }
        let checkpoint = Checkpoint(
            configuration: model.configuration, parameters: model.parameterValues,
            trainingHistory: TrainingHistory.appending(run, to: initial?.trainingHistory),
            metadata: initial?.metadata ?? [:])
        try CheckpointFile.save(checkpoint, to: url)
    }
}
