import Foundation
import Testing
import PolyICLCore
@testable import PolyICLLanguage

/// `load "FILE" base=MODEL` for adapter files: round trips through `save`, a file written by
/// Python in peft's layout, and the errors for every wrong combination.
@Suite struct AdapterLoadingTests {
    static let setup = FineTuningCommandTests.setup

    func model(_ interpreter: Interpreter, _ name: String) -> TransformerModelObject? { interpreter.session[name] as? TransformerModelObject }

    func predictions(_ interpreter: Interpreter, _ name: String) throws -> [Float] {
        try FineTuningCommandTests().predictions(interpreter, name)
    }

    /// The error of a one-line cell, which must point at `underlined` (line, column and caret).
    func error(_ interpreter: Interpreter, _ cell: String, underlined: String) throws -> ExecutionError {
        let (outcome, _) = interpreter.run(cell)
        let error = try #require(outcome.error, "\(cell) should fail")
        let column = try #require(cell.range(of: underlined, options: .backwards)).lowerBound.utf16Offset(in: cell) + 1
        #expect(error.traceback.first?.hasPrefix("\(error.name) at line 1, column \(column): ") == true, "\(error.traceback)")
        let caret = "    | " + String(repeating: " ", count: column - 1) + "^" + String(repeating: "~", count: underlined.count - 1)
        #expect(error.traceback.contains(caret), "\(error.traceback)")
        return error
    }

    @Test func savedAdaptersLoadOntoTheSameBaseAndPredictBitForBit() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let interpreter = Interpreter(workingDirectory: directory.path)
        let cell = Self.setup + """

        ft = lora m rank=2 targets=[c_attn, mlp.c_proj] seed=4
        train ft on=t steps=3 batch=8 lr=2e-2
        sp = softprompt m pairs=3 seed=5
        train sp on=t steps=3 batch=8 curriculum=12..12
        save ft "ft.safetensors"
        save sp "sp.safetensors"
        """
        #expect(interpreter.run(cell).0 == .ok)
        let (outcome, events) = interpreter.run("ft2 = load \"ft.safetensors\" base=m\nsp2 = load \"sp.safetensors\" base=m")
        #expect(outcome == .ok, "\(outcome)")
        let text = FineTuningCommandTests().stdout(events)
        // Rank 2 per block: c_attn 2·(16 + 48), mlp.c_proj 2·(64 + 16); two blocks: 576.
        #expect(text.contains("loaded LoRA rank 2 on attn.c_attn, mlp.c_proj (576 parameters) from ft.safetensors onto a copy of m"), "\(text)")
        #expect(text.contains("loaded a soft prompt of 3 pairs (96 parameters) from sp.safetensors onto a copy of m"), "\(text)")
        for (saved, loaded) in [("ft", "ft2"), ("sp", "sp2")] {
            let same = try predictions(interpreter, loaded) == predictions(interpreter, saved)
            #expect(same, "\(loaded) predicts bit for bit as \(saved)")
            let adapters = try #require(model(interpreter, loaded)?.model.adapters)
            #expect(adapters.parameterValues == model(interpreter, saved)?.model.adapters?.parameterValues)
        }
        // A loaded LoRA model is a fine-tuning model like any other: train goes on with the adapters only.
        let base = try #require(model(interpreter, "m")).model.parameterValues
        #expect(interpreter.run("train ft2 on=t steps=2 batch=8").0 == .ok)
        #expect(model(interpreter, "ft2")?.model.parameterValues == base, "the base stays frozen")
        #expect(model(interpreter, "m")?.model.parameterValues == base, "the base object is not changed")
    }

    /// An adapter file written by Python in peft's layout (no PolyICL metadata but r and
    /// lora_alpha), loaded and merged here; NumPy computes the merged weights from the files.
    @Test func aPeftLayoutFileWrittenByPythonMergesAsNumPySays() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let interpreter = Interpreter(workingDirectory: directory.path)
        #expect(interpreter.run(Self.setup + "\nsave m \"base.safetensors\"").0 == .ok)
        let write = """
        import json, struct, sys
        import numpy as np
        rng = np.random.default_rng(7)
        tensors = {}
        for layer in range(2):
            tensors[f"base_model.model._backbone.h.{layer}.attn.c_attn.lora_A.weight"] = rng.normal(size=(3, 16)).astype(np.float32)
            tensors[f"base_model.model._backbone.h.{layer}.attn.c_attn.lora_B.weight"] = rng.normal(size=(48, 3)).astype(np.float32)
        prompt = {"prompt_embeddings": ((np.arange(4 * 16, dtype=np.float32) - 32) / 64).reshape(4, 16)}
        def write(path, tensors, metadata):
            header, blobs, offset = {"__metadata__": metadata}, [], 0
            for name, array in tensors.items():
                data = array.tobytes()
                header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
                blobs.append(data)
                offset += len(data)
            text = json.dumps(header).encode()
            open(path, "wb").write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
        write(sys.argv[1], tensors, {"r": "3", "lora_alpha": "6"})
        write(sys.argv[2], prompt, {"num_virtual_tokens": "4"})
        """
        _ = try runPython(write, ["peft", "prompt"].map { directory.appendingPathComponent("\($0).safetensors").path })
        let (outcome, events) = interpreter.run("pe = load \"peft.safetensors\" base=m\npp = load \"prompt.safetensors\" base=m")
        #expect(outcome == .ok, "\(outcome)")
        let text = FineTuningCommandTests().stdout(events)
        #expect(text.contains("loaded LoRA rank 3 on attn.c_attn (\(2 * 3 * (16 + 48)) parameters)"), "\(text)")
        #expect(text.contains("loaded a soft prompt of 2 pairs (64 parameters)"), "\(text)")
        let adapters = try #require(model(interpreter, "pe")?.model.adapters)
        #expect(adapters.lora?.rank == 3 && adapters.lora?.alpha == 6 && adapters.promptPairs == 0)
        let prompt = try #require(model(interpreter, "pp")?.model.adapters)
        #expect(prompt.lora == nil)
        let expectedPrompt = (0..<64).map { (Float($0) - 32) / 64 }
        #expect(prompt.promptVectors.flatMap { $0 } == expectedPrompt)
        // The LoRA merged into the weights, written as a plain checkpoint.
        #expect(interpreter.run("plain = merge pe\nsave plain \"merged.safetensors\" merged=true").0 == .ok)
        let compare = """
        import json, struct, sys
        import numpy as np
        def read(path):
            data = open(path, "rb").read()
            n = struct.unpack("<Q", data[:8])[0]
            header = json.loads(data[8:8 + n])
            header.pop("__metadata__", None)
            return {k: np.frombuffer(data[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]], dtype=np.float32).reshape(v["shape"]) for k, v in header.items()}
        base, peft, merged = read(sys.argv[1]), read(sys.argv[2]), read(sys.argv[3])
        worst = 0.0
        for name, w in base.items():
            expected = w.astype(np.float64)
            if name.endswith("attn.c_attn.weight"):
                prefix = "base_model.model." + name[: -len(".weight")]
                a, b = peft[prefix + ".lora_A.weight"].astype(np.float64), peft[prefix + ".lora_B.weight"].astype(np.float64)
                expected = expected + (6 / 3) * (b @ a).T   # peft, fan_in_fan_out=True: W [in, out] + scale (B A)^T
            worst = max(worst, float(np.max(np.abs(merged[name] - expected))))
        print(len(base), worst)
        """
        let output = try runPython(compare, ["base", "peft", "merged"].map { directory.appendingPathComponent("\($0).safetensors").path })
        let fields = output.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(fields.count == 2 && Int(fields[0]) == ModelConfiguration.preset(named: "tiny")?.parameterLayout.count, "python said: \(output)")
        let worst = try #require(fields.last.flatMap(Double.init), "python said: \(output)")
        #expect(worst < 1e-5, "largest difference from NumPy's merge: \(worst)")
    }

    @Test func wrongFilesAndWrongBasesSayWhatIsWrongAndWhere() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let interpreter = Interpreter(workingDirectory: directory.path)
        let cell = Self.setup + """

        ft = lora m rank=2 seed=4
        save ft "ft.safetensors"
        save m "m.safetensors"
        wide = model preset=tiny dim=32 heads=2
        deep = model preset=tiny layers=3
        """
        #expect(interpreter.run(cell).0 == .ok)
        // A missing file: caught by the checker, before anything runs.
        let missing = try error(interpreter, "x = load \"nope.safetensors\" base=m", underlined: "\"nope.safetensors\"")
        #expect(missing.name == "FileNotFound")
        // Adapters without a base, and a base for a model file.
        let noBase = try error(interpreter, "x = load \"ft.safetensors\"", underlined: "\"ft.safetensors\"")
        #expect(noBase.message == "ft.safetensors holds LoRA rank 2 on attn.c_attn, not a model: adapters need the model they were trained on", "\(noBase)")
        #expect(noBase.traceback.joined(separator: "\n").contains("x = load \"ft.safetensors\" base=MODEL"))
        let modelFile = try error(interpreter, "x = load \"m.safetensors\" base=m", underlined: "base=m")
        #expect(modelFile.message == "m.safetensors is a full model checkpoint, not an adapter file: base= is for adapters", "\(modelFile)")
        // Bases of another shape.
        let wide = try error(interpreter, "x = load \"ft.safetensors\" base=wide", underlined: "base=wide")
        #expect(wide.message == "ft.safetensors holds adapters for a different model: 16 wide (the base is 32)", "\(wide)")
        #expect(wide.traceback.last == "  give the model they were trained on; `wide` is 32 wide, 2 layers, 16 points", "\(wide.traceback)")
        let deep = try error(interpreter, "x = load \"ft.safetensors\" base=deep", underlined: "base=deep")
        #expect(deep.message == "ft.safetensors holds adapters for a different model: 2 layers (the base has 3)", "\(deep)")
        // A base that already has adapters, and model-file keys with an adapter file.
        let adapted = try error(interpreter, "x = load \"ft.safetensors\" base=ft", underlined: "base=ft")
        #expect(adapted.message.contains("`ft` already has adapters attached"), "\(adapted)")
        let heads = try error(interpreter, "x = load \"ft.safetensors\" base=m heads=2", underlined: "heads=2")
        #expect(heads.message == "heads= describes a model file without metadata, and ft.safetensors holds adapters", "\(heads)")
        // Nothing was stored under x by any of these.
        #expect(interpreter.session["x"] == nil)
    }

    @Test func peftFilesWithoutMetadataAreCheckedByTheirBlocks() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let interpreter = Interpreter(workingDirectory: directory.path)
        #expect(interpreter.run(Self.setup + "\nshallow = model preset=tiny layers=1").0 == .ok)
        // LoRA on blocks 0 and 1 (as for the tiny preset's 2 blocks), no metadata at all.
        let write = """
        import json, struct, sys
        import numpy as np
        header, blobs, offset = {}, [], 0
        for layer in range(2):
            for name, shape in (("lora_A", (4, 16)), ("lora_B", (48, 4))):
                data = np.ones(shape, dtype=np.float32).tobytes()
                header[f"base_model.model._backbone.h.{layer}.attn.c_attn.{name}.weight"] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + len(data)]}
                blobs.append(data)
                offset += len(data)
        text = json.dumps(header).encode()
        open(sys.argv[1], "wb").write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
        """
        _ = try runPython(write, [directory.appendingPathComponent("bare.safetensors").path])
        let shallow = try error(interpreter, "x = load \"bare.safetensors\" base=shallow", underlined: "base=shallow")
        #expect(shallow.message == "bare.safetensors holds adapters for a different model: adapters for block 1 (the base has blocks 0 to 0)", "\(shallow)")
        let (outcome, _) = interpreter.run("x = load \"bare.safetensors\" base=m")
        #expect(outcome == .ok, "\(outcome)")
        #expect(model(interpreter, "x")?.model.adapters?.lora?.alpha == 16, "alpha defaults to the paper's 16 without metadata")
    }
}
