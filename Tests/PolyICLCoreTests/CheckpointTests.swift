import Foundation
import Testing
import PolyICLCore

@Suite struct CheckpointTests {
    func randomCheckpoint(_ configuration: ModelConfiguration, seed: UInt64) -> Checkpoint {
        var generator = RandomGenerator(seed: seed)
        var parameters = (0..<configuration.parameterCount).map { _ in Float(generator.nextNormal() * 0.02) }
        parameters[0] = -0.0
        parameters[1] = .leastNonzeroMagnitude
        return Checkpoint(configuration: configuration, parameters: parameters,
                          trainingHistory: "{\"steps\": [1, 2], \"loss\": [0.5, 0.25]}", metadata: ["note": "test"])
    }

    /// Nothing load would refuse is written: a NaN weight is an error naming its tensor, and
    /// the file already there stays as it was.
    @Test func nonFiniteWeightsAreNotSaved() throws {
        let directory = try DataTestSupport.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = ModelConfiguration(embedding: 8, layers: 1, heads: 2, points: 5)
        let url = directory.appendingPathComponent("model.safetensors")
        let good = randomCheckpoint(configuration, seed: 1)
        try CheckpointFile.save(good, to: url)
        let before = try Data(contentsOf: url)
        var bad = good
        let wpe = try #require(configuration.parameterLayout.first { $0.name == "_backbone.wpe.weight" })
        bad.parameters[wpe.offset + 3] = .nan
        #expect(throws: FileFormatError.self) { try CheckpointFile.save(bad, to: url) }
        do { try CheckpointFile.save(bad, to: url) } catch {
            #expect("\(error)".contains("_backbone.wpe.weight") && "\(error)".contains("non-finite"))
        }
        let after = try Data(contentsOf: url)
        #expect(after == before)
    }

    @Test func roundTripIsBitExact() throws {
        let directory = try DataTestSupport.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for configuration in [
            ModelConfiguration(embedding: 8, layers: 3, heads: 2, points: 5),
            ModelConfiguration(embedding: 12, layers: 1, heads: 3, points: 7, inputDimension: 4, positionalEmbeddings: false),
        ] {
            let url = directory.appendingPathComponent("model.safetensors")
            let original = randomCheckpoint(configuration, seed: 1)
            try CheckpointFile.save(original, to: url)
            let loaded = try CheckpointFile.load(url)
            #expect(loaded.configuration == configuration)
            #expect(loaded.parameters.map(\.bitPattern) == original.parameters.map(\.bitPattern))
            #expect(loaded.trainingHistory == original.trainingHistory)
            #expect(loaded.metadata == ["note": "test"])
            let raw = try Safetensors.read(url)
            #expect(raw.tensors.map(\.name) == configuration.parameterLayout.map(\.name))
            #expect(raw.metadata["n_embd"] == "\(configuration.embedding)")
            #expect(raw.metadata["n_layer"] == "\(configuration.layers)")
            #expect(raw.metadata["n_head"] == "\(configuration.heads)")
            #expect(raw.metadata["n_positions"] == "\(2 * configuration.points)")
            #expect(raw.metadata["n_dims"] == "\(configuration.inputDimension)")
        }
    }

    /// A state dict laid out as Garg et al.'s TransformerModel saves it (written by a
    /// NumPy-only safetensors writer, keys sorted as torch's save_file does, with the
    /// unused wte and mask buffers, no PolyICL metadata) loads with the head count given.
    @Test func pyTorchStyleFilesLoad() throws {
        let directory = try DataTestSupport.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try DataTestSupport.runPython(numpySafetensors + """
            d, layers, points, dims = 8, 2, 5, 1
            rng = np.random.default_rng(0)
            shapes = [('_read_in.weight', (d, dims)), ('_read_in.bias', (d,)), ('_backbone.wpe.weight', (2 * points, d))]
            for i in range(layers):
                h = '_backbone.h.%d.' % i
                shapes += [(h + 'ln_1.weight', (d,)), (h + 'ln_1.bias', (d,)),
                           (h + 'attn.c_attn.weight', (d, 3 * d)), (h + 'attn.c_attn.bias', (3 * d,)),
                           (h + 'attn.c_proj.weight', (d, d)), (h + 'attn.c_proj.bias', (d,)),
                           (h + 'ln_2.weight', (d,)), (h + 'ln_2.bias', (d,)),
                           (h + 'mlp.c_fc.weight', (d, 4 * d)), (h + 'mlp.c_fc.bias', (4 * d,)),
                           (h + 'mlp.c_proj.weight', (4 * d, d)), (h + 'mlp.c_proj.bias', (d,))]
            shapes += [('_backbone.ln_f.weight', (d,)), ('_backbone.ln_f.bias', (d,)),
                       ('_read_out.weight', (1, d)), ('_read_out.bias', (1,))]
            params = {name: rng.standard_normal(shape).astype(np.float32) for name, shape in shapes}
            # named_parameters() order, flattened: what PolyICL's flat buffer must hold.
            np.save('flat.npy', np.concatenate([params[name].ravel() for name, _ in shapes]))
            extra = {'_backbone.wte.weight': np.zeros((11, d), np.float32)}
            for i in range(layers):
                extra['_backbone.h.%d.attn.bias' % i] = np.tril(np.ones((2 * points, 2 * points), np.float32))[None, None]
                extra['_backbone.h.%d.attn.masked_bias' % i] = np.array(-1e4, np.float32)
            everything = {**params, **extra}
            save('torch.safetensors', {k: ('F32', everything[k]) for k in sorted(everything)})
            save('torch_heads.safetensors', {k: ('F32', everything[k]) for k in sorted(everything)}, metadata={'n_head': '4'})
            save('torch_f64.safetensors', {k: ('F64', everything[k]) for k in sorted(everything)})
            """, in: directory)
        let flat = try NumpyFile.read(directory.appendingPathComponent("flat.npy")).floats
        let plain = directory.appendingPathComponent("torch.safetensors")
        let loaded = try CheckpointFile.load(plain, heads: 2)
        #expect(loaded.configuration == ModelConfiguration(embedding: 8, layers: 2, heads: 2, points: 5))
        #expect(loaded.parameters == flat)
        #expect(loaded.trainingHistory == nil)
        let withHeads = try CheckpointFile.load(directory.appendingPathComponent("torch_heads.safetensors"))
        #expect(withHeads.configuration.heads == 4)
        #expect(withHeads.parameters == flat)
        #expect(try CheckpointFile.load(directory.appendingPathComponent("torch_f64.safetensors"), heads: 1).parameters == flat)

        let noHeads = #expect(throws: FileFormatError.self) { try CheckpointFile.load(plain) }
        #expect(noHeads?.file == plain.path)
        #expect(noHeads?.problem.contains("--heads") == true)
        let conflict = #expect(throws: FileFormatError.self) { try CheckpointFile.load(directory.appendingPathComponent("torch_heads.safetensors"), heads: 2) }
        #expect(conflict?.problem.contains("n_head=4") == true)
        let badHeads = #expect(throws: FileFormatError.self) { try CheckpointFile.load(plain, heads: 3) }
        #expect(badHeads?.problem.contains("divisor") == true)
    }

    @Test func missingExtraAndMisshapenTensorsAreNamed() throws {
        let configuration = ModelConfiguration(embedding: 8, layers: 2, heads: 2, points: 5)
        let contents = try CheckpointFile.contents(of: randomCheckpoint(configuration, seed: 2), file: "m")
        func problem(_ edit: (inout SafetensorsFile) -> Void) -> String? {
            var edited = contents
            edit(&edited)
            do {
                _ = try CheckpointFile.checkpoint(from: edited, file: "m.safetensors")
                return nil
            } catch let error as FileFormatError {
                #expect(error.file == "m.safetensors")
                return error.problem
            } catch {
                return "\(error)"
            }
        }
        let missing = problem { $0.tensors.removeAll { $0.name == "_backbone.h.1.mlp.c_fc.bias" } }
        #expect(missing?.contains("'_backbone.h.1.mlp.c_fc.bias' is missing (expected shape [32])") == true, "\(missing ?? "")")
        let misshapen = problem { file in
            let index = file.tensors.firstIndex { $0.name == "_backbone.h.0.attn.c_attn.weight" }!
            file.tensors[index].shape = [24, 8]
        }
        #expect(misshapen?.contains("'_backbone.h.0.attn.c_attn.weight' has shape [24, 8]; expected [8, 24]") == true, "\(misshapen ?? "")")
        let extra = problem { $0.tensors.append(SafetensorsTensor(name: "_backbone.h.0.lora_A", shape: [1], floats: [0])) }
        #expect(extra?.contains("'_backbone.h.0.lora_A'") == true, "\(extra ?? "")")
        let notAModel = problem { $0.tensors.removeAll { $0.name == "_read_in.weight" } }
        #expect(notAModel?.contains("_read_in.weight") == true)
        let wrongMetadata = problem { $0.metadata["n_layer"] = "3" }
        #expect(wrongMetadata?.contains("n_layer=3") == true)
        let nonFinite = problem { file in
            file.tensors[0] = SafetensorsTensor(name: file.tensors[0].name, shape: file.tensors[0].shape,
                                                floats: [Float.nan] + file.tensors[0].floats.dropFirst())
        }
        #expect(nonFinite?.contains("non-finite") == true)
    }

    @Test func interruptedSaveLeavesThePreviousFileIntact() throws {
        let directory = try DataTestSupport.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        let configuration = ModelConfiguration(embedding: 8, layers: 1, heads: 2, points: 4)
        let first = randomCheckpoint(configuration, seed: 3)
        try CheckpointFile.save(first, to: url)
        struct Interrupted: Error {}
        #expect(throws: Interrupted.self) {
            try CheckpointFile.save(randomCheckpoint(configuration, seed: 4), to: url, beforeReplacing: { throw Interrupted() })
        }
        #expect(try CheckpointFile.load(url) == first)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["model.safetensors"])
        // A save that cannot even start (no such directory) says where.
        let nowhere = directory.appendingPathComponent("missing/model.safetensors")
        let error = #expect(throws: FileFormatError.self) { try CheckpointFile.save(first, to: nowhere) }
        #expect(error?.file == nowhere.path)
        // Saving the wrong number of parameters is refused before anything is written.
        var short = first
        short.parameters.removeLast()
        #expect(throws: FileFormatError.self) { try CheckpointFile.save(short, to: url) }
        #expect(try CheckpointFile.load(url) == first)
    }
}
