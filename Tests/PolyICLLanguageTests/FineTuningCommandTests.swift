import Foundation
import Testing
import PolyICLCore
@testable import PolyICLLanguage

/// The fine-tuning and experiment commands through the interpreter, on the tiny preset
/// (dim 16, 2 layers, 16 points): each test runs in well under a second of work.
@Suite struct FineTuningCommandTests {
    static let setup = "t = task chebyshev degree=0..3\nm = model preset=tiny seed=1\ntrain m on=t steps=3 batch=8 lr=1e-3"

    func model(_ interpreter: Interpreter, _ name: String) -> TransformerModelObject? { interpreter.session[name] as? TransformerModelObject }

    func predictions(_ interpreter: Interpreter, _ name: String, points: Int = 8) throws -> [Float] {
        let object = try #require(model(interpreter, name))
        var generator = RandomGenerator(seed: 42)
        var batch = PromptBatch(count: 6, points: points)
        try ChebyshevTask(degrees: 0...3).fill(&batch, using: &generator)
        return try object.model.predict(batch)
    }

    func stdout(_ events: [RecordingSink.Event]) -> String {
        events.compactMap { if case .stream(.stdout, let text) = $0 { return text } else { return nil } }.joined()
    }

    @Test func loraIsACopyWithThePapersParameterCountAndLeavesTheBaseUnchanged() throws {
        let interpreter = Interpreter()
        #expect(interpreter.run(Self.setup).0 == .ok)
        let base = try #require(model(interpreter, "m")).model.parameterValues
        let before = try predictions(interpreter, "m")
        let (outcome, events) = interpreter.run("ft = lora m rank=4 alpha=16 targets=[c_attn] seed=2")
        #expect(outcome == .ok)
        // Per block r·(d + 3d) = 4·(16 + 48) = 256; two blocks.
        #expect(stdout(events).contains("512 trainable parameters"), "\(stdout(events))")
        let ft = try #require(model(interpreter, "ft"))
        #expect(ft.model.adapters?.parameterCount == 512)
        // B starts at zero: the copy predicts as the base.
        let same = try predictions(interpreter, "ft") == before
        #expect(same)
        #expect(interpreter.run("train ft on=t steps=3 batch=8 lr=1e-2").0 == .ok)
        let after = try predictions(interpreter, "ft")
        #expect(after != before, "training moved the adapters")
        let baseKept = try #require(model(interpreter, "m")).model.parameterValues == base
        #expect(baseKept, "the base object is not changed")
        #expect(ft.model.parameterValues == base, "the copy's base weights are frozen")
        // Two targets: c_attn (16 + 48) and mlp.c_fc (16 + 64), rank 2, two blocks.
        let (_, two) = interpreter.run("ft2 = lora m rank=2 targets=[c_attn, mlp.c_fc]")
        #expect(stdout(two).contains("\(2 * 2 * (64 + 80)) trainable parameters"), "\(stdout(two))")
    }

    @Test func trainUsesThePapersLearningRatesWhenNoneIsGiven() throws {
        // A run without lr= must equal the same run with the paper's rate, and differ from 1e-4.
        func trained(_ cell: String, _ make: String) throws -> [Float] {
            let interpreter = Interpreter()
            #expect(interpreter.run(Self.setup + "\n" + make).0 == .ok)
            #expect(interpreter.run(cell).0 == .ok, "\(cell)")
            let adapters = try #require(model(interpreter, "a")?.model.adapters)
            return adapters.parameterValues
        }
        for (make, rate) in [("a = lora m seed=3", "5e-5"), ("a = softprompt m pairs=3 seed=3", "5e-2")] {
            let implicit = try trained("train a on=t steps=2 batch=8 seed=1 curriculum=8..8", make)
            let explicit = try trained("train a on=t steps=2 batch=8 seed=1 curriculum=8..8 lr=\(rate)", make)
            let other = try trained("train a on=t steps=2 batch=8 seed=1 curriculum=8..8 lr=1e-4", make)
            #expect(implicit == explicit, "\(make): default is \(rate)")
            #expect(implicit != other, "\(make): default is not 1e-4")
        }
    }

    @Test func softPromptCountsItsParametersAndChecksThatPromptsFit() throws {
        let interpreter = Interpreter()
        #expect(interpreter.run(Self.setup).0 == .ok)
        let (outcome, events) = interpreter.run("sp = softprompt m pairs=4")
        #expect(outcome == .ok)
        // 2P vectors of width d: 2·4·16.
        #expect(stdout(events).contains("128 trainable parameters"), "\(stdout(events))")
        #expect(stdout(events).contains("prompts of up to 12 points"))
        // Too many pairs: caught by the checker, before any work.
        let (tooMany, none) = interpreter.run("sp2 = softprompt m pairs=16")
        #expect(tooMany.error?.name == "OutOfRange")
        #expect(tooMany.error?.message.contains("pairs=16 leaves no room") == true, "\(tooMany)")
        #expect(none.isEmpty)
        // Prompts that do not fit after the soft prompt are refused with the largest that does.
        let compare = interpreter.run("c = compare [sp] on=t points=13 samples=8 bootstrap=5").0
        #expect(compare.error?.name == "OutOfRange")
        #expect(compare.error?.traceback.joined().contains("use points=12 or less") == true, "\(compare)")
        #expect(interpreter.run("train sp on=t steps=2 batch=4").0.error != nil, "a 16-point curriculum does not fit after 4 pairs")
        #expect(interpreter.run("train sp on=t steps=2 batch=4 curriculum=12..12").0 == .ok)
        // Adapters go on plain models only.
        #expect(interpreter.run("x = lora sp").0.error?.traceback.joined().contains("merge its LoRA first") == true)
    }

    @Test func mergeGivesAPlainModelThatPredictsAsTheAdaptedOne() throws {
        let interpreter = Interpreter()
        #expect(interpreter.run(Self.setup + "\nft = lora m seed=4\ntrain ft on=t steps=4 batch=8 lr=2e-2\nplain = merge ft").0 == .ok)
        let plain = try #require(model(interpreter, "plain"))
        #expect(plain.model.adapters == nil)
        let merged = try predictions(interpreter, "plain"), adapted = try predictions(interpreter, "ft")
        for (p, q) in zip(merged, adapted) { #expect(abs(p - q) <= 1e-4 * max(1, abs(q)), "\(p) vs \(q)") }
        #expect(interpreter.run("x = merge m").0.error?.message == "`m` has no LoRA adapters to merge")
    }

    @Test func saveWritesPeftNamedAdaptersOrAMergedCheckpoint() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let interpreter = Interpreter(workingDirectory: directory.path)
        #expect(interpreter.run(Self.setup + "\nft = lora m rank=2 seed=4\ntrain ft on=t steps=2 batch=8 lr=2e-2\nsp = softprompt m pairs=3").0 == .ok)
        #expect(interpreter.run("save ft \"ft.safetensors\"\nsave ft \"merged.safetensors\" merged=true\nsave sp \"sp.safetensors\"").0 == .ok)
        // The safetensors header read by Python: names and shapes as peft writes them.
        let script = """
        import json, struct, sys
        for path in sys.argv[1:]:
            data = open(path, "rb").read()
            n = struct.unpack("<Q", data[:8])[0]
            header = json.loads(data[8:8 + n])
            meta = header.pop("__metadata__", {})
            print(path.rsplit("/", 1)[1], meta.get("r", "-"), meta.get("num_virtual_tokens", "-"),
                  ";".join(f"{k}={v['shape']}" for k, v in sorted(header.items()) if "h.0." in k or "prompt" in k))
        """
        let output = try runPython(script, ["ft", "sp"].map { directory.appendingPathComponent("\($0).safetensors").path })
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.first == "ft.safetensors 2 0 base_model.model._backbone.h.0.attn.c_attn.lora_A.weight=[2, 16];base_model.model._backbone.h.0.attn.c_attn.lora_B.weight=[48, 2]",
                "python said: \(output)")
        #expect(lines.last == "sp.safetensors - 6 prompt_embeddings=[6, 16]", "python said: \(output)")
        // The merged checkpoint loads as a plain model predicting as the LoRA model.
        #expect(interpreter.run("back = load \"merged.safetensors\"").0 == .ok)
        let loaded = try predictions(interpreter, "back"), adapted = try predictions(interpreter, "ft")
        for (p, q) in zip(loaded, adapted) { #expect(abs(p - q) <= 1e-4 * max(1, abs(q))) }
        #expect(interpreter.run("save sp \"x.safetensors\" merged=true").0.error?.message.contains("cannot be merged") == true)
    }

    @Test func hingeLossNeedsAClampedTaskAndTrainsAsTheCoresLoss() throws {
        let interpreter = Interpreter()
        #expect(interpreter.run(Self.setup + "\nc = task chebyshev degree=0..3 clamp=0.5\nft = lora m seed=5\nref = lora m seed=5").0 == .ok)
        #expect(interpreter.run("train ft on=t steps=2 loss=hinge").0.error?.message.contains("needs a task whose targets are clamped") == true)
        #expect(interpreter.run("train ft on=c steps=2 loss=hinge threshold=0.3").0.error?.message.contains("differs from task `c`'s clamp 0.5") == true)
        #expect(interpreter.run("train ft on=c steps=2 weight=5").0.error?.traceback.joined().contains("add loss=hinge, or leave weight out") == true)
        #expect(interpreter.run("train ft on=c steps=3 batch=8 seed=2 loss=hinge threshold=0.5 weight=100 lr=1e-2").0 == .ok)
        // The same run through the core with HingeAlignmentLoss directly.
        let reference = try #require(model(interpreter, "ref")).model
        let task = try ChebyshevTask(degrees: 0...3, clampThreshold: 0.5)
        var generator = RandomGenerator(seed: 2)
        _ = try Trainer(settings: TrainingSettings(steps: 3, batchSize: 8, learningRate: 1e-2, curriculum: .fixed(16)))
            .train(model: reference, source: task, generator: &generator, loss: try HingeAlignmentLoss(threshold: 0.5, weight: 100))
        let same = try #require(model(interpreter, "ft")?.model.adapters).parameterValues == reference.adapters?.parameterValues
        #expect(same, "the command trains with the hinge loss it was asked for")
    }

    @Test func compareSetsModelsAndBaselinesSideBySideWithOnePanelPerFixedCount() throws {
        let interpreter = Interpreter()
        #expect(interpreter.run(Self.setup + "\nsp = softprompt m pairs=2\nev = eval m on=t points=10 samples=40 bootstrap=20 baselines=[lstsq]").0 == .ok)
        let (outcome, _) = interpreter.run("c = compare [m, sp] on=t points=10 samples=40 bootstrap=20 baselines=[lstsq, zero]")
        #expect(outcome == .ok, "\(outcome)")
        let result = try #require(interpreter.session["c"] as? ResultObject)
        #expect(result.predictors == ["m", "sp", "least squares", "zero"])
        // The same prompts as eval with the same seed: the same numbers for m.
        let eval = try #require(interpreter.session["ev"] as? ResultObject)
        #expect(result.table[column: "m mean"] == eval.table[column: "m mean"])
        let leastSquares = try #require(result.table[column: "least squares mean"])
        for k in 4..<10 { #expect(leastSquares[k] < 1e-8) }

        let (grid, _) = interpreter.run("d3 = task chebyshev degree=3\ng = compare [m] on=d3 fixed=[0, 2] points=8 samples=16 bootstrap=10 baselines=[zero]")
        #expect(grid == .ok, "\(grid)")
        let panels = try #require(interpreter.session["g"] as? ResultObject)
        #expect(panels.table.columns.map(\.name).filter { $0.hasSuffix(" mean") } == ["fixed=0: m mean", "fixed=0: zero mean", "fixed=2: m mean", "fixed=2: zero mean"])
        let svg = try #require(panels.representation()[MIMEBundle.html])
        #expect(svg.contains("fixed=0") && svg.contains("fixed=2"))
        #expect(interpreter.run("x = compare [m] on=t fixed=[9]").0.error?.name == "OutOfRange")
        #expect(interpreter.run("x = compare [m] on=[t, t] fixed=[0]").0.error?.name == "InvalidValue")
    }

    @Test func compareTakesOneModelListPerPanel() throws {
        let interpreter = Interpreter()
        #expect(interpreter.run(Self.setup + "\nsp = softprompt m pairs=2\nd3 = task chebyshev degree=3").0 == .ok)
        let keys = "points=8 samples=16 bootstrap=10 baselines=[zero]"
        #expect(interpreter.run("g = compare [[m], [m, sp]] on=[t, d3] \(keys)\na = compare [m] on=t \(keys)\nb = compare [m, sp] on=d3 \(keys)").0 == .ok)
        let grid = try #require((interpreter.session["g"] as? ResultObject)?.table)
        #expect(grid.columns.map(\.name).filter { $0.hasSuffix(" mean") } == ["t: m mean", "t: zero mean", "d3: m mean", "d3: sp mean", "d3: zero mean"])
        // Each panel sees the prompts a compare on its task alone sees (same seed).
        #expect(grid[column: "t: m mean"] == (interpreter.session["a"] as? ResultObject)?.table[column: "m mean"])
        #expect(grid[column: "d3: sp mean"] == (interpreter.session["b"] as? ResultObject)?.table[column: "sp mean"])
        // With fixed=, one list per count.
        #expect(interpreter.run("f = compare [[m], [sp]] on=d3 fixed=[0, 2] \(keys)").0 == .ok)
        let fixed = try #require((interpreter.session["f"] as? ResultObject)?.table)
        #expect(fixed.columns.map(\.name).filter { $0.hasSuffix(" mean") } == ["fixed=0: m mean", "fixed=0: zero mean", "fixed=2: sp mean", "fixed=2: zero mean"])
        // As many lists as panels, checked before any work.
        let (wrong, events) = interpreter.run("x = compare [[m], [sp]] on=d3 fixed=[0, 1, 2]")
        #expect(wrong.error?.message.hasPrefix("2 model lists for 3 panels: with one list of models per panel, give one list for each count in fixed=") == true, "\(wrong)")
        #expect(events.isEmpty)
        #expect(interpreter.run("x = compare [[m, m]] on=t").0.error?.name == "DuplicateArgument")
    }

    /// p(x) = T_0 = 1 with noise of variance 0.5: the zero baseline's error to the noise-free
    /// value is exactly 1 at every position; to the noisy y it is about 1.5.
    @Test func compareMeasuresTheErrorToTheNoiseFreeValueWhenAsked() throws {
        let interpreter = Interpreter()
        let script = "one = task chebyshev degree=0 fixed=1 noise=0.5\nm = model preset=tiny seed=1\n"
            + "clean = compare [m] on=one target=noisefree points=6 samples=200 bootstrap=10 baselines=[zero]\n"
            + "noisy = compare [m] on=one points=6 samples=200 bootstrap=10 baselines=[zero]"
        let (outcome, _) = interpreter.run(script)
        #expect(outcome == .ok, "\(outcome)")
        let clean = try #require((interpreter.session["clean"] as? ResultObject)?.table[column: "zero mean"])
        #expect(clean.allSatisfy { abs($0 - 1) < 1e-12 }, "\(clean)")
        let noisy = try #require((interpreter.session["noisy"] as? ResultObject)?.table[column: "zero mean"])
        let mean = noisy.reduce(0, +) / Double(noisy.count)
        #expect(abs(mean - 1.5) < 0.15, "\(noisy)")
        let linear = interpreter.run("lin = task linear dim=1 noise=0.1\nx = compare [m] on=lin target=noisefree points=4 samples=4").0
        #expect(linear.error?.message.contains("target=noisefree needs tasks that know their noise-free values") == true, "\(linear)")
    }

    @Test func alignSplitsTheErrorAtTheThresholdAndZeroBaselineGivesTSquared() throws {
        let interpreter = Interpreter()
        #expect(interpreter.run(Self.setup).0 == .ok)
        let (outcome, events) = interpreter.run("al = align m on=t threshold=0.5 points=10 samples=60 baselines=[zero]")
        #expect(outcome == .ok, "\(outcome)")
        let result = try #require(interpreter.session["al"] as? ResultObject)
        let above = try #require(result.table[column: "above count"]), below = try #require(result.table[column: "below count"])
        for i in 0..<10 { #expect(above[i] + below[i] == 60) }
        // Predicting 0 where the aligned answer is T = 0.5 costs exactly 0.25.
        for (i, value) in (result.table[column: "zero above median"] ?? []).enumerated() where above[i] > 0 { #expect(abs(value - 0.25) < 1e-12) }
        #expect(events.allSatisfy { $0.bundle == nil || $0.bundle?.plainText.isEmpty == false })
        let html = try #require(result.representation()[MIMEBundle.html])
        #expect(html.contains("m after 10 clamped points"), "the function plot of one clamped polynomial")
        // The zero baseline never answers above T: no violations; the chart of them is drawn.
        for (i, value) in (result.table[column: "zero violation rate"] ?? []).enumerated() where above[i] > 0 { #expect(value == 0) }
        #expect(html.contains("answers above T where the aligned answer is T"))
        #expect(interpreter.run("lin = task linear\nx = align m on=lin").0.error?.name == "WrongKind")
    }

    @Test func jailbreakReportsTheFractionAboveTheThreshold() throws {
        let interpreter = Interpreter()
        #expect(interpreter.run(Self.setup + "\nc = task chebyshev degree=1..3").0 == .ok)
        let (outcome, _) = interpreter.run("jb = jailbreak m on=c threshold=0.5 examples=2..5 samples=50 bootstrap=20")
        #expect(outcome == .ok, "\(outcome)")
        let result = try #require(interpreter.session["jb"] as? ResultObject)
        #expect(result.table[column: "examples"] == [2, 3, 4, 5])
        let fraction = try #require(result.table[column: "m above threshold mean"])
        #expect(fraction.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(interpreter.run("jb = jailbreak m on=c examples=0..16").0.error?.name == "OutOfRange", "15 examples and the query fit 16 points, 16 do not")
    }

    @Test func nearestAndPerturbAnalyseTheSoftPrompt() throws {
        let interpreter = Interpreter()
        #expect(interpreter.run(Self.setup + "\nsp = softprompt m pairs=3 seed=7").0 == .ok)
        #expect(interpreter.run("n = nearest m").0.error?.message == "`m` has no soft prompt")
        #expect(interpreter.run("n = nearest sp").0 == .ok)
        let table = try #require((interpreter.session["n"] as? ResultObject)?.table)
        #expect(table.rowCount == 6)
        // Untrained, every vector is read_in of a token: it is its own nearest hard prompt.
        for d in table[column: "distance"] ?? [] { #expect(d < 1e-4, "distance \(d)") }
        let before = try predictions(interpreter, "sp")
        let (outcome, _) = interpreter.run("p = perturb sp on=t scale=[1, 0.5] angles=[0, 0.4] points=8 samples=20 bootstrap=10")
        #expect(outcome == .ok, "\(outcome)")
        let result = try #require((interpreter.session["p"] as? ResultObject)?.table)
        #expect(result[column: "is angle"] == [0, 0, 1, 1])
        #expect(result[column: "value"] == [1, 0.5, 0, 0.4])
        let mean = try #require(result[column: "mean"])
        #expect(mean[0] == mean[2], "scale 1 and angle 0 are both the learned prompt")
        #expect(mean[1] != mean[0])
        let restored = try predictions(interpreter, "sp") == before
        #expect(restored, "the soft prompt is put back")
        #expect(interpreter.run("p = perturb sp on=t scale=0.5..1.2 values=8 points=8 samples=8 bootstrap=5").0 == .ok)
        #expect((interpreter.session["p"] as? ResultObject)?.table.rowCount == 8)
    }
}
