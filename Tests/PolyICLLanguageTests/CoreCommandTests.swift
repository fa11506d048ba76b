import Foundation
import Testing
import PolyICLCore
@testable import PolyICLLanguage

/// A sink that interrupts the cell when training shows its first progress update.
final class InterruptingSink: OutputSink {
    let flag: PolyICLLanguage.CancellationFlag
    var events: [RecordingSink.Event] = []
    init(flag: PolyICLLanguage.CancellationFlag) { self.flag = flag }
    func stream(_ name: OutputStreamName, _ text: String) { events.append(.stream(name, text)) }
    func display(_ bundle: MIMEBundle, displayID: String?) { events.append(.display(bundle, displayID)) }
    func updateDisplay(_ displayID: String, _ bundle: MIMEBundle) {
        events.append(.update(displayID, bundle))
        if bundle.plainText.contains(" step ") { flag.cancel() }
    }
    func result(_ bundle: MIMEBundle) { events.append(.result(bundle)) }
    func clearOutput(wait: Bool) { events.append(.clear(wait)) }
    func page(_ text: String) { events.append(.page(text)) }
}

/// A fresh scratch directory for files a test writes.
func scratchDirectory() throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("polyicl-core-commands-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}

/// The Python the tests read exports with: POLYICL_PYTHON, else the package's .venv.
func pythonExecutable() -> String {
    if let path = ProcessInfo.processInfo.environment["POLYICL_PYTHON"], !path.isEmpty { return path }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return root.appendingPathComponent(".venv/bin/python").path
}

func runPython(_ script: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: pythonExecutable())
    process.arguments = ["-c", script] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

extension RecordingSink.Event {
    var bundle: MIMEBundle? {
        switch self {
        case .display(let b, _), .update(_, let b), .result(let b): return b
        default: return nil
        }
    }
}

@Suite struct CoreCommandTests {
    static let setup = "t = task chebyshev degree=0..3\nm = model preset=tiny seed=1"

    func parameters(_ interpreter: Interpreter, _ name: String) -> [Float]? {
        (interpreter.session[name] as? TransformerModelObject)?.model.parameterValues
    }

    @Test func trainShowsLiveProgressThenASummaryWithTheLossCurve() throws {
        let interpreter = Interpreter()
        #expect(interpreter.run(Self.setup).0 == .ok)
        let before = try #require(parameters(interpreter, "m"))
        let (outcome, events) = interpreter.run("train m on=t steps=6 batch=8 lr=1e-3")
        #expect(outcome == .ok)
        guard case .display(_, let id?)? = events.first else {
            Issue.record("train did not open a display with an id: \(events)")
            return
        }
        let updates = events.dropFirst().compactMap { event -> MIMEBundle? in
            if case .update(let updated, let bundle) = event, updated == id { return bundle }
            return nil
        }
        #expect(updates.count == events.count - 1, "every later event updates the same display")
        let progress = try #require(updates.first)
        for piece in ["step 1/6", "loss", "points 16", "steps/s", "elapsed", "remaining"] {
            #expect(progress.plainText.contains(piece), "progress line lacks \(piece): \(progress.plainText)")
        }
        #expect(progress[MIMEBundle.html]?.contains("<progress") == true)
        let summary = try #require(updates.last)
        #expect(summary.plainText.hasPrefix("trained m: 6 steps"))
        #expect(summary[MIMEBundle.html]?.contains("<svg") == true)
        let after = try #require(parameters(interpreter, "m"))
        let changed = after != before
        #expect(changed, "training changed the weights")
        let model = try #require(interpreter.session["m"] as? TransformerModelObject)
        #expect(model.history.count == 1 && model.history[0].losses.count == 6)
        #expect(model.representation().plainText.contains("parameters: \(TextFormat.grouped(model.configuration.parameterCount))"))
    }

    @Test func anInterruptedTrainKeepsTheLastCompletedStepAndTheSameCommandContinues() throws {
        // Reference runs: 1 step, and 4 steps, uninterrupted, from the same start.
        let reference = Interpreter()
        #expect(reference.run(Self.setup + "\nm1 = model preset=tiny seed=1").0 == .ok)
        #expect(reference.run("train m1 on=t steps=1 batch=8 lr=1e-3 seed=3").0 == .ok)
        #expect(reference.run("train m on=t steps=4 batch=8 lr=1e-3 seed=3").0 == .ok)
        let oneStep = try #require(parameters(reference, "m1")), fourSteps = try #require(parameters(reference, "m"))

        let interpreter = Interpreter()
        #expect(interpreter.run(Self.setup).0 == .ok)
        let flag = PolyICLLanguage.CancellationFlag()
        let sink = InterruptingSink(flag: flag)
        let outcome = interpreter.execute("train m on=t steps=4 batch=8 lr=1e-3 seed=3", sink: sink, cancellation: flag)
        let error = try #require(outcome.error)
        #expect(error.name == "Interrupted")
        #expect(error.message == "train stopped at step 1 of 4: `m` keeps the weights of step 1")
        let keptLastStep = parameters(interpreter, "m") == oneStep
        #expect(keptLastStep, "the weights are those of the last completed step")
        #expect(sink.events.last?.bundle?.plainText.hasPrefix("trained m: interrupted at step 1 of 4") == true)

        // The model stays usable, and the same command continues the run to its end.
        #expect(interpreter.run("e = eval m on=t points=8 samples=16 bootstrap=10").0 == .ok)
        #expect(interpreter.run("train m on=t steps=4 batch=8 lr=1e-3 seed=3").0 == .ok)
        let continued = parameters(interpreter, "m") == fourSteps
        #expect(continued, "interrupted + continued equals one uninterrupted run")
        let model = try #require(interpreter.session["m"] as? TransformerModelObject)
        #expect(model.history.map(\.firstStep) == [0, 1])
        #expect(model.trainedSteps == 4)
    }

    @Test func evalGivesTheModelAndBaselineColumnsAndLeastSquaresIsExactPastTheDegree() throws {
        let interpreter = Interpreter()
        #expect(interpreter.run(Self.setup).0 == .ok)
        let (outcome, events) = interpreter.run("ev = eval m on=t points=10 samples=40 bootstrap=50 baselines=[lstsq, ridge(0.2), zero]")
        #expect(outcome == .ok)
        #expect(events.contains { if case .display(_, let id) = $0 { return id != nil } else { return false } }, "eval shows progress")
        let result = try #require(interpreter.session["ev"] as? ResultObject)
        var expected = ["position"]
        for p in ["m", "least squares", "ridge 0.2", "zero"] { expected += ["mean", "median", "lower", "upper"].map { "\(p) \($0)" } }
        #expect(result.table.columns.map(\.name) == expected)
        #expect(result.table[column: "position"] == (0..<10).map(Double.init))
        // Degree <= 3 without noise: 4 context points determine the polynomial exactly.
        let leastSquares = try #require(result.table[column: "least squares mean"])
        for k in 4..<10 { #expect(leastSquares[k] < 1e-8, "position \(k): \(leastSquares[k])") }
        // With no context every baseline predicts 0, so all three agree at position 0.
        #expect(result.table[column: "zero mean"]?[0] == leastSquares[0])
        #expect(result.summary.contains("m, least squares, ridge 0.2, zero"))
    }

    @Test func pairedBaselinesAddDifferenceColumnsTablesAndAPanel() throws {
        let interpreter = Interpreter()
        #expect(interpreter.run(Self.setup).0 == .ok)
        // ridge(0.2) is paired without being listed in baselines: it is evaluated anyway.
        #expect(interpreter.run("ev = eval m on=t points=8 samples=30 bootstrap=40 baselines=[zero] paired=[ridge(0.2), zero]").0 == .ok)
        let result = try #require(interpreter.session["ev"] as? ResultObject)
        #expect(result.predictors == ["m", "zero", "ridge 0.2"])
        #expect(result.differences == ["m \u{2212} ridge 0.2", "m \u{2212} zero"])
        // The difference of means is the mean difference (same prompts).
        for (reference, difference) in zip(["ridge 0.2", "zero"], result.differences) {
            let model = try #require(result.table[column: "m mean"]), other = try #require(result.table[column: reference + " mean"])
            let paired = try #require(result.table[column: difference + " mean"])
            for k in 0..<8 { #expect(abs(paired[k] - (model[k] - other[k])) <= 1e-9 * max(1, abs(model[k]))) }
        }
        // The table shows the differences with their intervals; the plot gains a panel with the zero line.
        #expect(result.meansOnly.columns.map(\.name) == ["position", "m mean", "zero mean", "ridge 0.2 mean",
                                                         "m \u{2212} ridge 0.2 mean", "m \u{2212} ridge 0.2 lower", "m \u{2212} ridge 0.2 upper",
                                                         "m \u{2212} zero mean", "m \u{2212} zero lower", "m \u{2212} zero upper"])
        let svg = try #require(interpreter.run("plot ev").1.last?.bundle?[MIMEBundle.svg])
        #expect(svg.contains("paired difference (below 0: model better)"))
        #expect(svg.contains("m \u{2212} ridge 0.2"))
        let (bad, _) = interpreter.run("eval m on=t paired=[ridge]")
        #expect(bad.error?.name != nil)
    }

    @Test func viewsDrawPlotsAndTables() throws {
        let interpreter = Interpreter()
        #expect(interpreter.run(Self.setup + "\ntrain m on=t steps=3 batch=4\nev = eval m on=t points=8 samples=16 bootstrap=10").0 == .ok)
        for (cell, type) in [("plot ev", MIMEBundle.svg), ("plot ev scale=linear intervals=false", MIMEBundle.svg), ("plot t", MIMEBundle.svg),
                             ("plot m", MIMEBundle.svg), ("table ev", MIMEBundle.html), ("show t samples=2", MIMEBundle.svg),
                             ("show t samples=2 model=m context=5", MIMEBundle.svg), ("density t prompts=200 points=20 bins=10", MIMEBundle.svg),
                             ("ev", MIMEBundle.html), ("m", MIMEBundle.html), ("t", MIMEBundle.svg)] {
            let (outcome, events) = interpreter.run(cell)
            #expect(outcome == .ok, "\(cell): \(outcome)")
            guard case .result(let bundle)? = events.last else {
                Issue.record("\(cell) showed no result: \(events)")
                continue
            }
            #expect(bundle[type] != nil, "\(cell) has no \(type)")
        }
        let (_, shown) = interpreter.run("show t samples=2 model=m context=5")
        #expect(shown.last?.bundle?[MIMEBundle.svg]?.contains("m prediction") == true)
        let (_, table) = interpreter.run("table ev digits=3")
        #expect(table.last?.bundle?.plainText.contains("m mean") == true)
    }

    @Test func saveAndLoadRoundTripInASession() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let interpreter = Interpreter(workingDirectory: directory.path)
        #expect(interpreter.run(Self.setup + "\ntrain m on=t steps=2 batch=4").0 == .ok)
        // Two cells: `load` checks that its file exists before the cell runs.
        #expect(interpreter.run("save m \"m.safetensors\"").0 == .ok)
        #expect(interpreter.run("m2 = load \"m.safetensors\"").0 == .ok)
        let same = parameters(interpreter, "m2") == parameters(interpreter, "m")
        #expect(same)
        let loaded = try #require(interpreter.session["m2"] as? TransformerModelObject)
        #expect(loaded.configuration == ModelConfiguration.preset(named: "tiny"))
        #expect(loaded.history == (interpreter.session["m"] as? TransformerModelObject)?.history)
        // A missing directory is reported before anything is written.
        let error = interpreter.run("save m \"no/such/dir/m.safetensors\"").0.error
        #expect(error?.name == "FileNotFound")
        // In one cell, a file an earlier `save` writes may be loaded; one nobody writes may not.
        #expect(interpreter.run("save m \"same-cell.safetensors\"\nm3 = load \"same-cell.safetensors\"").0 == .ok)
        let reloaded = parameters(interpreter, "m3") == parameters(interpreter, "m")
        #expect(reloaded)
        #expect(interpreter.run("save m \"written.safetensors\"\nm4 = load \"other.safetensors\"").0.error?.name == "FileNotFound")
        #expect(interpreter.session["m4"] == nil)
    }

    @Test func exportsReadBackWithPython() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let interpreter = Interpreter(workingDirectory: directory.path)
        #expect(interpreter.run(Self.setup + "\nev = eval m on=t points=6 samples=16 bootstrap=10\nexport ev \"ev.csv\"\nexport ev \"ev.json\"").0 == .ok)
        let table = try #require((interpreter.session["ev"] as? ResultObject)?.table)
        let script = """
        import csv, json, sys
        rows = list(csv.DictReader(open(sys.argv[1])))
        records = json.load(open(sys.argv[2]))
        for name in sys.argv[3:]:
            print(name, ",".join(repr(float(r[name])) for r in rows), ",".join(repr(float(r[name])) for r in records), sep="|")
        """
        let names = ["position", "m mean", "least squares upper", "zero median"]
        let output = try runPython(script, [directory.appendingPathComponent("ev.csv").path, directory.appendingPathComponent("ev.json").path] + names)
        let lines = output.split(separator: "\n")
        #expect(lines.count == names.count, "python said: \(output)")
        for line in lines {
            let parts = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3, let column = table[column: parts[0]] else {
                Issue.record("unexpected line \(line)")
                continue
            }
            let fromCSV = parts[1].split(separator: ",").compactMap { Double($0) }
            let fromJSON = parts[2].split(separator: ",").compactMap { Double($0) }
            #expect(fromCSV == column, "\(parts[0]) from CSV")
            #expect(fromJSON == column, "\(parts[0]) from JSON")
        }
    }

    @Test func checksBeforeWorkStarts() throws {
        let interpreter = Interpreter()
        #expect(interpreter.run(Self.setup + "\nlin = task linear dim=2").0 == .ok)
        for (cell, name) in [("eval m on=t points=17", "OutOfRange"), ("train m on=lin steps=2", "InvalidValue"),
                             ("show t model=m context=16", "OutOfRange"), ("f = task file xs=\"nope.npy\" ys=\"nope.npy\"", "FileNotFound"),
                             ("train m on=t steps=2 curriculum=2..40", "OutOfRange")] {
            let (outcome, events) = interpreter.run(cell)
            #expect(outcome.error?.name == name, "\(cell): \(outcome)")
            #expect(events.isEmpty, "\(cell) started work: \(events)")
        }
        // Run-time checks of what the checker cannot know also stop before work.
        let (outcome, events) = interpreter.run("train m on=t steps=2 warmup=1")
        #expect(outcome.error?.message.contains("warmup=1 needs a schedule") == true)
        #expect(events.isEmpty)
    }

    @Test func filePromptsTrainAndEvaluate() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var generator = RandomGenerator(seed: 5)
        var batch = PromptBatch(count: 12, points: 8)
        try ChebyshevTask(degrees: 2...2).fill(&batch, using: &generator)
        try FilePrompts.write(batch, xsFile: directory.appendingPathComponent("xs.npy"), ysFile: directory.appendingPathComponent("ys.npy"))
        let interpreter = Interpreter(workingDirectory: directory.path)
        #expect(interpreter.run("f = task file xs=\"xs.npy\" ys=\"ys.npy\"\nm = model preset=tiny\ntrain m on=f steps=2 batch=4 curriculum=8..8").0 == .ok)
        #expect(interpreter.run("e = eval m on=f points=8 samples=12 baselines=[zero]").0 == .ok)
        #expect(interpreter.run("e = eval m on=f points=8 samples=13 baselines=[zero]").0.error?.name == "OutOfRange")
        #expect(interpreter.run("e = eval m on=f points=8 samples=12").0.error?.message.contains("prompts read from files") == true)
    }
}
