import PolyICLCore

/// The keys `spectra` and `signature` share, with the core's defaults, and the core's
/// settings and analysis they describe.
enum SignatureKeys {
    static let keys: [Parameter] = [
        Parameter("on", .objectName([.task]), required: true, help: "The training task: its prompts are in distribution; the shifts start from it."),
        Parameter("kind", .word(ShiftKinds.words), default: .word("xshift"), help: ShiftKinds.kindHelp),
        Parameter("sizes", .list(.number(.any)), help: ShiftKinds.sizesHelp),
        Parameter("layer", .integer(.nonNegative), help: "The layer shown: 0 is the embedding, l the output of block l (default: the last block)."),
        Parameter("points", .integer(.positive), help: "Points per prompt; hidden states are (2 * points) x width (default: the model's points)."),
        Parameter("samples", .integer(IntegerBounds(minimum: 2, maximum: 1_000_000)), default: .integer(128), help: "Prompts scored at every size."),
        Parameter("references", .integer(IntegerBounds(minimum: 1, maximum: 1_000_000)), default: .integer(256),
                  help: "In-distribution prompts that define the reference directions (drawn apart from the scored ones)."),
        Parameter("directions", .integer(.positive), default: .integer(2), help: "k: the signature compares the top-k right singular vectors (the paper: 2)."),
        Parameter("reference", .word(["stacked", "meanstate"]), default: .word("stacked"),
                  help: "Reference directions: the top-k of every reference prompt's top-k vectors stacked (stacked), or the top-k of their mean hidden state (meanstate)."),
        Parameter("similarity", .word(["cosine", "angles"]), default: .word("cosine"),
                  help: "Score: mean |cosine| of the i-th directions (cosine), or mean cosine of the principal angles between the spans (angles)."),
        Parameter("centre", .boolean, default: .boolean(false), help: "Centre each feature over the prompt's positions before the SVD (PCA over positions)."),
        Parameter("lossfrom", .integer(.nonNegative), default: .integer(0), help: "A prompt's loss is its mean squared error from this position on."),
        Parameter("seed", .integer(.nonNegative), default: .integer(0), help: "Seed of the prompts drawn."),
    ]

    static let checks: [CrossCheck] = [
        ModelChecks.pointsWithinContext("points"), TaskChecks.inputWidthMatches(task: "on", model: "model"), ShiftKinds.kindFitsTask, layerExists,
    ]

    /// layer= beyond the model's blocks, caught before anything runs.
    static let layerExists: CrossCheck = { arguments, environment in
        guard let name = arguments.objectName("model"), let configuration = environment.modelConfiguration(named: name),
              let layer = arguments.integer("layer"), layer > configuration.layers else { return [] }
        return [Diagnostic(.outOfRange, "layer=\(layer) is past the last block of model `\(name)` (\(configuration.layers) blocks)",
                           at: arguments.range(of: "layer"), hint: "use layer=0 (the embedding) to layer=\(configuration.layers)")]
    }

    /// Runs the analysis the arguments describe, with progress shown and interruption honoured.
    static func analyse(_ invocation: CommandInvocation, command: String)
        throws -> (signature: SpectralSignature, model: String, task: String, layer: Int)
    {
        let a = invocation.arguments
        let model = try invocation.modelObject("model")
        let task = try invocation.taskObject("on")
        try invocation.requireMatchingInputs(task: task, model: model, taskKey: "on")
        let family = try ShiftKinds.family(task: task, invocation: invocation)
        let points = try ShiftKinds.points(model: model, invocation: invocation)
        let layers = model.model.configuration.layers
        let layer = a.integer("layer") ?? layers
        guard layer <= layers else {
            throw CommandFailure("OutOfRange", "layer=\(layer) is past the last block of model `\(model.name)` (\(layers) blocks)",
                                 hint: "use layer=0 (the embedding) to layer=\(layers)", at: a.range(of: "layer"))
        }
        let samples = a.integer("samples") ?? 128
        let settings = SignatureSettings(
            points: points, referenceSamples: a.integer("references") ?? 256, samples: samples,
            seed: UInt64(a.integer("seed") ?? 0), directions: a.integer("directions") ?? 2,
            reference: a.word("reference") == "meanstate" ? .meanHiddenState : .stackedTopVectors,
            similarity: a.word("similarity") == "angles" ? .principalAngles : .meanAbsoluteCosine,
            centring: a.boolean("centre") == true ? .positions : .none,
            lossFromPosition: a.integer("lossfrom") ?? 0, chunkSize: min(samples, 128))
        do { try settings.validate(for: model.model.configuration) } catch {
            let key = "\(error)".hasPrefix("directions") ? "directions" : "\(error)".hasPrefix("loss from") ? "lossfrom" : "points"
            throw invocation.failure(error, key: key)
        }

        let displayID = invocation.newDisplayID()
        let total = family.sizes.count + 1
        let show = { (done: Int) in
            let text = done == 0 ? "\(command) \(model.name): reference prompts" : "\(command) \(model.name): \(done)/\(total) prompt sets"
            invocation.sink.updateDisplay(displayID, MIMEBundle(plainText: text))
        }
        invocation.sink.display(MIMEBundle(plainText: "\(command) \(model.name): reference prompts"), displayID: displayID)
        let signature: SpectralSignature
        do {
            signature = try SpectralSignature.run(model: model.model.model, family: family, settings: settings,
                                                  progress: { done, _ in show(done) }, isCancelled: { invocation.cancellation.isCancelled })
        } catch EvaluationError.cancelled {
            invocation.sink.updateDisplay(displayID, MIMEBundle(plainText: "\(command) \(model.name): interrupted"))
            throw CommandFailure.interrupted("\(command) of `\(model.name)` stopped before it finished; no result was kept")
        } catch {
            throw invocation.failure(error)
        }
        invocation.sink.updateDisplay(displayID, MIMEBundle(
            plainText: "\(command) \(model.name): \(settings.referenceSamples) reference prompts, \(samples) prompts of \(points) points at each of \(family.sizes.count) sizes"))
        return (signature, model.name, task.task.definition, layer)
    }
}
