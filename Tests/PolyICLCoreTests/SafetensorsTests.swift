import Foundation
import Testing
import PolyICLCore

/// A minimal safetensors writer and reader in NumPy alone, following the format's
/// documentation (not our code): the independent reference for these tests.
let numpySafetensors = """
    import json, struct
    import numpy as np

    DTYPES = {'F32': '<f4', 'F64': '<f8', 'F16': '<f2'}

    def save(path, tensors, metadata=None):
        header, blobs, offset = {}, [], 0
        if metadata is not None:
            header['__metadata__'] = metadata
        for name, (dtype, array) in tensors.items():
            if dtype == 'BF16':
                data = (np.ascontiguousarray(array, dtype='<f4').view('<u4') >> 16).astype('<u2').tobytes()
            else:
                data = np.ascontiguousarray(array, dtype=DTYPES[dtype]).tobytes()
            header[name] = {'dtype': dtype, 'shape': list(array.shape), 'data_offsets': [offset, offset + len(data)]}
            blobs.append(data)
            offset += len(data)
        text = json.dumps(header).encode()
        text += b' ' * ((8 - len(text) % 8) % 8)
        with open(path, 'wb') as f:
            f.write(struct.pack('<Q', len(text)) + text + b''.join(blobs))

    def load(path):
        raw = open(path, 'rb').read()
        (n,) = struct.unpack('<Q', raw[:8])
        header = json.loads(raw[8:8 + n])
        metadata = header.pop('__metadata__', {})
        out = {}
        for name, entry in header.items():
            begin, end = entry['data_offsets']
            out[name] = np.frombuffer(raw[8 + n + begin:8 + n + end], dtype=DTYPES[entry['dtype']]).reshape(entry['shape'])
        return out, metadata

    """

@Suite struct SafetensorsTests {
    @Test func roundTripIsBitExact() throws {
        var generator = RandomGenerator(seed: 8)
        var floats = (0..<1000).map { _ in Float(generator.nextNormal()) }
        floats += [0, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -.infinity, Float(bitPattern: 0x7FC0_1234)]
        let contents = SafetensorsFile(
            tensors: [
                SafetensorsTensor(name: "a.weight", shape: [2, 503], floats: floats),
                SafetensorsTensor(name: "b", shape: [3], doubles: [1.0 / 3.0, -2, .pi]),
                SafetensorsTensor(name: "scalar", shape: [], floats: [7]),
                SafetensorsTensor(name: "empty", shape: [0, 4], floats: []),
            ],
            metadata: ["history": "{\"loss\": [1.5, 0.25], \"note\": \"a \\\"quoted\\\"\\nline\\u0001\"}", "n_head": "4"])
        let bytes = try Safetensors.encode(contents, file: "memory")
        let back = try Safetensors.decode(bytes, file: "memory")
        #expect(back.metadata == contents.metadata)
        for tensor in contents.tensors {
            let read = try #require(back[tensor.name])
            #expect(read.shape == tensor.shape && read.dtype == tensor.dtype)
            switch (read.values, tensor.values) {
            case (.float32(let a), .float32(let b)): #expect(a.map(\.bitPattern) == b.map(\.bitPattern))
            case (.float64(let a), .float64(let b)): #expect(a.map(\.bitPattern) == b.map(\.bitPattern))
            default: Issue.record("\(tensor.name) changed type")
            }
        }
    }

    @Test func filesOfTheNumPyWriterLoadAndNumPyReadsOurs() throws {
        let directory = try DataTestSupport.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try DataTestSupport.runPython(numpySafetensors + """
            values = (np.arange(12) - 5.5) / 7
            save('theirs.safetensors', {
                'f32': ('F32', values.reshape(3, 4)),
                'f64': ('F64', values.reshape(2, 6)),
                'f16': ('F16', values.reshape(12)),
                'bf16': ('BF16', values.reshape(4, 3)),
            }, metadata={'n_head': '2', 'text': 'caf\\u00e9'})
            np.save('values.npy', values)
            np.save('f16.npy', values.astype(np.float16).astype(np.float64))
            np.save('bf16.npy', ((values.astype('<f4').view('<u4') >> 16) << 16).astype('<u4').view('<f4').astype(np.float64))
            """, in: directory)
        let theirs = try Safetensors.read(directory.appendingPathComponent("theirs.safetensors"))
        let values = try NumpyFile.read(directory.appendingPathComponent("values.npy")).values
        #expect(theirs.metadata == ["n_head": "2", "text": "café"])
        #expect(theirs["f32"]?.shape == [3, 4] && theirs["f32"]?.floats == values.map { Float($0) })
        #expect(theirs["f64"]?.values == .float64(values))
        #expect(theirs["f16"]?.dtype == .f16)
        #expect(theirs["f16"]?.floats == (try NumpyFile.read(directory.appendingPathComponent("f16.npy"))).floats)
        #expect(theirs["bf16"]?.floats == (try NumpyFile.read(directory.appendingPathComponent("bf16.npy"))).floats)
        #expect(theirs.tensors.map(\.name) == ["f32", "f64", "f16", "bf16"])  // data order

        let floats = (0..<20).map { Float($0) * 0.3 - 2 }
        try Safetensors.write(
            SafetensorsFile(tensors: [SafetensorsTensor(name: "x.weight", shape: [4, 5], floats: floats),
                                      SafetensorsTensor(name: "y", shape: [2], doubles: [0.1, -0.2])],
                            metadata: ["format": "polyicl", "quote": "\"\\"]),
            to: directory.appendingPathComponent("ours.safetensors"))
        try NumpyFile.write(NumpyArray(shape: [20], floats: floats), to: directory.appendingPathComponent("ours.npy"))
        let output = try DataTestSupport.runPython(numpySafetensors + """
            tensors, metadata = load('ours.safetensors')
            assert metadata == {'format': 'polyicl', 'quote': '"\\\\'}, metadata
            assert tensors['x.weight'].shape == (4, 5)
            assert np.array_equal(tensors['x.weight'].ravel(), np.load('ours.npy'))
            assert list(tensors['y']) == [0.1, -0.2]
            raw = open('ours.safetensors', 'rb').read()
            assert (8 + struct.unpack('<Q', raw[:8])[0]) % 8 == 0
            print('ok')
            """, in: directory)
        #expect(output.contains("ok"))
    }

    /// Builds a file from a header text and `dataBytes` zero bytes of data.
    func file(header: String, dataBytes: Int) -> [UInt8] {
        let text = Array(header.utf8)
        var bytes = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(text.count) >> (8 * UInt64($0))) }
        bytes += text
        bytes += [UInt8](repeating: 0, count: dataBytes)
        return bytes
    }

    func problem(_ bytes: [UInt8]) -> String? {
        do {
            _ = try Safetensors.decode(bytes, file: "bad.safetensors")
            return nil
        } catch let error as FileFormatError {
            #expect(error.file == "bad.safetensors")
            return error.problem
        } catch {
            Issue.record("unexpected error type \(error)")
            return nil
        }
    }

    @Test func corruptFilesGiveClearErrors() throws {
        let cases: [(bytes: [UInt8], mentions: String)] = [
            ([1, 2, 3], "truncated"),
            ([0, 0, 0, 0, 0, 1, 0, 0] + [UInt8](repeating: 0, count: 16), "absurd"),
            (file(header: "{\"a\": {\"dtype\": \"F32\", ", dataBytes: 4), "JSON"),
            (file(header: "[1, 2]", dataBytes: 0), "'{'"),
            (file(header: "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}", dataBytes: 4), "outside"),
            (file(header: "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}", dataBytes: 12), "overlap"),
            (file(header: "{\"a\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}", dataBytes: 8), "needs 12 bytes"),
            (file(header: "{\"a\": {\"dtype\": \"I64\", \"shape\": [1], \"data_offsets\": [0, 8]}}", dataBytes: 8), "I64"),
            (file(header: "{\"a\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", dataBytes: 4), "non-negative"),
            (file(header: "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 0]}}", dataBytes: 4), "outside"),
            (file(header: "{\"a\": {\"dtype\": \"F32\", \"shape\": [4611686018427387904, 4], \"data_offsets\": [0, 4]}}", dataBytes: 4), "too large"),
            (file(header: "{\"__metadata__\": {\"n\": 3}}", dataBytes: 0), "not a string"),
            (Array(file(header: "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}", dataBytes: 8).dropLast(3)), "truncated"),
        ]
        for (bytes, mentions) in cases {
            let text = problem(bytes)
            #expect(text?.contains(mentions) == true, "expected a problem mentioning '\(mentions)', got \(text ?? "no error")")
        }
    }

    /// Every truncation and many random byte changes of a valid file either decode or
    /// throw a FileFormatError: never a crash.
    @Test func damagedFilesNeverCrash() throws {
        let good = try Safetensors.encode(
            SafetensorsFile(tensors: [SafetensorsTensor(name: "w", shape: [3, 2], floats: [1, 2, 3, 4, 5, 6]),
                                      SafetensorsTensor(name: "b", shape: [2], doubles: [7, 8])],
                            metadata: ["k": "v"]),
            file: "good")
        for length in 0..<good.count { #expect(problem(Array(good.prefix(length))) != nil, "length \(length)") }
        var generator = RandomGenerator(seed: 99)
        for _ in 0..<3000 {
            var damaged = good
            for _ in 0..<(1 + generator.nextInt(below: 3)) {
                damaged[generator.nextInt(below: damaged.count)] = UInt8(truncatingIfNeeded: generator.next())
            }
            _ = problem(damaged)
        }
    }
}
