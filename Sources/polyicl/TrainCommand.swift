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
    @Option(help: "Continue training this checkpoint's weights with fresh optimiser state and new settings (see --resume to continue a run exactly).")
    var `init`: String?
    @Option(help: "Continue the run saved in this checkpoint exactly: its settings, task, optimiser state, schedule, curriculum and random stream; --steps extends it. May be the --out file.")
    var resume: String?

    @OptionGroup(title: "Task") var taskOptions: TaskOptions

    @Option(help: "Training steps (default 1000).") var steps: Int?
    @Option(help: "Prompts per batch (default 64).") var batch: Int?
    @Option(help: "Learning rate (default 1e-4; the paper: 5e-5; Garg et al.: 1e-4).") var lr: Float?
    @Option(help: "adam (default) or sgd.") var optimizer: OptimizerName?
    @Option(help: "constant (default), or cosine (linear warm-up for --warmup steps, then a half cosine to 0).")
    var schedule: ScheduleName?
    @Option(help: "Warm-up steps of the cosine schedule (default 0).") var warmup: Int?
    @Option(help: "Clip the global gradient norm at this value.") var clip: Float?
    @Option(name: .customLong("weight-decay"), help: "Adam weight decay (L2, as torch.optim.Adam; default 0).")
    var weightDecay: Float?
    @Option(help: "Curriculum on the points per prompt, start..end (the paper: 5..81). Default: always the model's points (or the files').")
    var curriculum: IntegerRange?
    @Option(help: "Curriculum: steps between increments (default 2000, as the paper).") var every: Int?
    @Option(name: .customLong("curriculum-step"), help: "Curriculum: points added at each increment (default 2).")
    var curriculumStep: Int?
    @Option(help: "Parameter groups not to train, comma-separated (for example read_in,wpe).")
    var freeze: String?
    @Option(help: "Seed of the one random generator (initial weights and prompts; default 0).") var seed: UInt64?
    @Option(help: "Worker threads (default: all cores; with --resume, the run's own count, which keeps it bit-exact).")
    var threads: Int?
    @Option(help: "Where to save the checkpoint (.safetensors), with the training state that --resume continues.")
    var out: String
    @Option(name: .customLong("save-every"), help: "Also save to --out every N steps during the run (atomically: the file is always the previous save or the new one).")
    var saveEvery: Int?

    func validate() throws {
        if let preset, ModelConfiguration.preset(named: preset) == nil {
            throw ValidationError("unknown preset '\(preset)': expected one of \(ModelConfiguration.presets.map(\.name).joined(separator: ", "))")
        }
        if `init` != nil, let preset {
            throw ValidationError("--preset \(preset) and --init both give the model: --init continues a checkpoint with its own configuration")
        }
        if let resume {
            let given: [(String, Bool)] = [
                ("--init", `init` != nil), ("--preset", preset != nil), ("--dim", dim != nil), ("--layers", layers != nil),
                ("--heads", heads != nil), ("--points", points != nil), ("--no-positions", noPositions), ("--batch", batch != nil),
                ("--lr", lr != nil), ("--optimizer", optimizer != nil), ("--schedule", schedule != nil), ("--warmup", warmup != nil),
                ("--clip", clip != nil), ("--weight-decay", weightDecay != nil), ("--curriculum", curriculum != nil),
                ("--every", every != nil), ("--curriculum-step", curriculumStep != nil), ("--freeze", freeze != nil), ("--seed", seed != nil),
            ]
            let conflicting = given.filter(\.1).map(\.0)
            if !conflicting.isEmpty {
                throw ValidationError("--resume \(resume) continues the saved run with its own model, task and settings, so \(conflicting.joined(separator: ", ")) cannot be given: only --steps (to extend it), --threads, --out and --save-every apply. To train on with new settings use --init.")
            }
        }
        for (name, value) in [("dim", dim), ("layers", layers), ("heads", heads), ("points", points)] {
            if let value, value < 1 { throw ValidationError("--\(name) \(value) is not valid: expected at least 1") }
        }
        if let steps, steps < 0 { throw ValidationError("--steps \(steps) is not valid: expected 0 or more") }
        if let batch, batch < 1 { throw ValidationError("--batch \(batch) is not valid: expected at least 1 prompt") }
        if let lr, !(lr.isFinite && lr > 0) { throw ValidationError("--lr \(lr) is not valid: expected a positive number") }
        if let warmup, warmup < 0 { throw ValidationError("--warmup \(warmup) is not valid: expected 0 or more steps") }
        if (warmup ?? 0) > 0 && schedule != .cosine { throw ValidationError("--warmup needs --schedule cosine") }
        if let clip, !(clip.isFinite && clip > 0) { throw ValidationError("--clip \(clip) is not valid: expected a positive norm") }
        if let weightDecay, !(weightDecay.isFinite && weightDecay >= 0) { throw ValidationError("--weight-decay \(weightDecay) is not valid: expected 0 or more") }
        if (weightDecay ?? 0) > 0 && optimizer == .sgd { throw ValidationError("--weight-decay is an Adam setting; it has no effect with --optimizer sgd") }
        if let every, every < 1 { throw ValidationError("--every \(every) is not valid: expected at least 1 step") }
        if let curriculumStep, curriculumStep < 0 { throw ValidationError("--curriculum-step \(curriculumStep) is not valid: expected 0 or more points") }
        if let curriculum, curriculum.lower < 1 {
            throw ValidationError("--curriculum \(curriculum) is not valid: expected start..end with 1 <= start <= end")
        }
        if let threads, threads < 1 { throw ValidationError("--threads \(threads) is not valid: expected at least 1") }
        if let saveEvery, saveEvery < 1 { throw ValidationError("--save-every \(saveEvery) is not valid: expected at least 1 step") }
    }

    /// What this process trains: a new run, a continuation with fresh optimiser state, or an
    /// exact resume.
    private struct Plan {
        var initial: Checkpoint?
        var task: TaskOptions
        var configuration: ModelConfiguration
        var settings: TrainingSettings
        var trainer: Trainer
        var generator: RandomGenerator
        var threads: Int?
        var source: any PromptSource
    }

    private func plan() throws -> Plan {
        if let resume {
            let checkpoint = try CheckpointFile.load(URL(fileURLWithPath: resume))
            guard let state = checkpoint.trainingState else {
                throw InputError("--resume \(resume): the file holds a model but no training state (it was not saved by `polyicl train` of this version): continue it with --init, which starts a fresh optimiser")
            }
            let task: TaskOptions
            do { task = try TaskOptions.parse(state.task) } catch {
                throw InputError("--resume \(resume): its task \(state.task.joined(separator: " ")) cannot be read: \(TaskOptions.message(for: error))")
            }
            let source = try task.makeSource(modelInputDimension: checkpoint.configuration.inputDimension)
            let trainer: Trainer
            do { trainer = try Trainer(resuming: state, steps: steps) } catch let error as TrainingSettingsError {
                throw InputError("--resume \(resume): \(error.description)")
            }
            return Plan(initial: checkpoint, task: task, configuration: checkpoint.configuration, settings: trainer.settings,
                        trainer: trainer, generator: try state.generator, threads: threads ?? state.threads, source: source)
        }
        let initial: Checkpoint? = try `init`.map { try CheckpointFile.load(URL(fileURLWithPath: $0), heads: heads) }
        let source = try taskOptions.makeSource(modelInputDimension: initial?.configuration.inputDimension)
        let configuration = try modelConfiguration(initial: initial, inputDimension: source.inputDimension)
        var filePoints: Int?
        if let files = source as? FilePrompts { filePoints = files.pointCount }
        let settings = try trainingSettings(configuration: configuration, filePoints: filePoints)
        return Plan(initial: initial, task: taskOptions, configuration: configuration, settings: settings,
                    trainer: Trainer(settings: settings), generator: RandomGenerator(seed: seed ?? 0), threads: threads, source: source)
    }

    func run() throws {
        let group = try MPIGroup.joinIfLaunched()
        guard let group, group.size > 1 else {
            try train(group: nil)
            group?.finish()
            return
        }
        do {
            try train(group: group)
            group.finish()
        } catch let exit as ExitCode {
            group.finish()
            throw exit
        } catch {
            // Every rank must end: the others would wait in the next sum forever.
            FileHandle.standardError.write(Data("Error: rank \(group.rank) of \(group.size): \(error)\n".utf8))
            group.abort(status: 1)
        }
    }

    /// Trains as one process, or as one rank of `group`: every rank computes its share of each
    /// batch and holds the same weights; rank 0 alone prints and saves.
    private func train(group: MPIGroup?) throws {
        let primary = (group?.rank ?? 0) == 0
        let outURL = URL(fileURLWithPath: out)
        try checkWritable(outURL)
        let plan = try plan()
        let settings = plan.settings, source = plan.source
        let resumedState = resume == nil ? nil : plan.initial?.trainingState

        // A new run's generator draws initial weights first, even under --init's weights (so
        // its prompts are the same as ever); a resumed one is already past them.
        var weightGenerator = plan.generator
        let threads = plan.threads ?? (group.map { _ in MPIGroup.defaultThreads() })
        let model = try TransformerModel(configuration: plan.configuration, generator: &weightGenerator, threads: threads)
        if let initial = plan.initial { try model.setParameters(initial.parameters) }
        // The generator apart from the plan: `train` holds it while the saves read the plan.
        var generator = resume == nil ? weightGenerator : plan.generator

        if let limited = source as? any LimitedPromptSource {
            try limited.check(count: settings.batchSize, points: settings.curriculum.points(atStep: max(0, settings.steps - 1)))
        }
        do { try settings.validate(for: plan.configuration) } catch let error as TrainingSettingsError {
            throw InputError(error.description)
        }

        let progressLine = ProgressLine(silent: !primary)
        let c = plan.configuration
        let origin = resume.map { " resuming \($0) at step \(plan.trainer.completedSteps)" } ?? `init`.map { " from \($0)" } ?? ""
        progressLine.message(
            "training \(c.layers) layers x \(c.embedding) wide, \(c.heads) heads, \(c.points) points (\(model.parameterCount) parameters)\(origin) "
            + "on \(source), \(settings.steps) steps, batch \(settings.batchSize), \(optimizerName(settings)) lr \(settings.learningRate), "
            + (group.map { "\($0.size) MPI ranks x \(model.executor.threads) threads" } ?? "\(model.executor.threads) threads"))
        if let resumedState, resumedState.threads != model.executor.threads {
            progressLine.message("note: the run used \(resumedState.threads) threads and continues with \(model.executor.threads): sums are split differently, so it will not end bit for bit where an uninterrupted run would")
        }

        let interrupt = InterruptHandler()
        let trainer = plan.trainer
        let taskArguments = plan.task.arguments
        let firstStep = trainer.completedSteps
        let started = Date()
        var losses: [Float] = []
        losses.reserveCapacity(max(0, settings.steps - firstStep))
        var saveError: Error?
        func save(generator: RandomGenerator, cancelled: Bool) throws {
            guard primary else { return }
            let state = trainer.state(generator: generator, task: taskArguments, source: String(describing: source),
                                      threads: model.executor.threads)
            try self.save(model: model, plan: plan, state: state, losses: losses, firstStep: firstStep,
                          cancelled: cancelled, started: started, to: outURL)
        }
        let summary = try trainer.train(
            model: model, source: source, generator: &generator, cancellation: interrupt.flag, group: group,
            progress: { progress in
                losses.append(progress.loss)
                progressLine.update(progress)
                if let saveEvery, progress.step % saveEvery == 0, progress.step < progress.totalSteps {
                    do { try save(generator: progress.generator, cancelled: false) } catch {
                        saveError = error
                        interrupt.flag.cancel()
                    }
                }
            })
        progressLine.finish()
        if let saveError { throw saveError }
        if let divergence = summary.divergence {
            // The weights of the last completed step are finite but come from a run going wrong:
            // --out (perhaps the --init checkpoint itself) keeps what it held.
            let kept = FileManager.default.fileExists(atPath: outURL.path)
                ? "\(out) was left as it was\(saveEvery != nil ? " (its last periodic save, if this run made one)" : "")"
                : "nothing was saved"
            throw InputError("training \(divergence); \(kept). Lower --lr (it was \(settings.learningRate)) or clip the gradient norm (--clip 1)")
        }

        try save(generator: generator, cancelled: summary.cancelled)
        let tail = summary.losses.suffix(100)
        let finalLoss = tail.isEmpty ? "-" : String(format: "%.5f", tail.reduce(0.0) { $0 + Double($1) } / Double(tail.count))
        if summary.cancelled {
            progressLine.message("\(interrupt.signalName) after \(summary.stepsCompleted) of \(settings.steps) steps: saved the completed steps to \(out) (continue with --resume \(out))")
            throw ExitCode(interrupt.exitStatus)
        }
        progressLine.message(
            "done: \(summary.stepsCompleted) steps (\(summary.losses.count) in this run) in \(ProgressLine.duration(summary.elapsed)), "
            + "mean loss of the last \(tail.count) steps \(finalLoss); saved \(out)")
    }

    private func optimizerName(_ settings: TrainingSettings) -> String {
        if case .sgd = settings.optimizer { return "sgd" }
        return "adam"
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
            pointSchedule = Curriculum(start: curriculum.lower, increment: curriculumStep ?? 2, interval: every ?? 2000, end: curriculum.upper)
        } else {
            pointSchedule = .fixed(available)
        }
        var frozen = Set<String>()
        if let freeze {
            frozen = Set(freeze.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        }
        return TrainingSettings(
            steps: steps ?? 1000, batchSize: batch ?? 64, learningRate: lr ?? 1e-4,
            optimizer: optimizer == .sgd ? .sgd : .adam(AdamSettings(weightDecay: weightDecay ?? 0)),
            schedule: schedule == .cosine ? .warmupCosine(warmupSteps: warmup ?? 0, minimumFactor: 0) : .constant,
            gradientClip: clip, curriculum: pointSchedule, frozenGroups: frozen)
    }

    /// Saves the model and its training state, with the history of the initial checkpoint
    /// plus this run (`losses` so far, from step `firstStep` + 1).
    private func save(model: TransformerModel, plan: Plan, state: TrainingState, losses: [Float], firstStep: Int,
                      cancelled: Bool, started: Date, to url: URL) throws {
        let settings = state.settings
        let curve = TrainingHistory.downsample(losses)
        var run: [String: Any] = [
            "program": "polyicl train",
            "started": ISO8601DateFormatter().string(from: started),
            "task": String(describing: plan.source),
            "steps_planned": settings.steps,
            "steps_done": losses.count,
            "interrupted": cancelled,
            "batch": settings.batchSize,
            "lr": Double(settings.learningRate),
            "optimizer": optimizerName(settings),
            "loss_every": curve.every,
            "loss": curve.means.map { $0.isFinite ? TrainingHistory.compact($0) as Any : NSNull() },
        ]
        switch settings.schedule {
        case .constant: run["schedule"] = "constant"
        case .warmupCosine(let warmupSteps, _): run["schedule"] = "cosine"; run["warmup"] = warmupSteps
        }
        if let seed { run["seed"] = String(seed) } else if resume == nil { run["seed"] = "0" }
        if let clip = settings.gradientClip { run["clip"] = Double(clip) }
        if case .adam(let adam) = settings.optimizer, adam.weightDecay > 0 { run["weight_decay"] = Double(adam.weightDecay) }
        let c = settings.curriculum
        if c.increment > 0 || curriculum != nil { run["curriculum"] = ["start": c.start, "end": c.end, "step": c.increment, "every": c.interval] }
        if !settings.frozenGroups.isEmpty { run["freeze"] = settings.frozenGroups.sorted().joined(separator: ",") }
        if let initPath = `init` { run["init"] = initPath }
        if let resume { run["resumed"] = resume; run["first_step"] = firstStep + 1 }
        let checkpoint = Checkpoint(
            configuration: model.configuration, parameters: model.parameterValues,
            trainingHistory: TrainingHistory.appending(run, to: plan.initial?.trainingHistory),
            metadata: plan.initial?.metadata ?? [:], trainingState: state)
        try CheckpointFile.save(checkpoint, to: url)
    }
}
