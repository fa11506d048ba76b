import Foundation
import Testing
import PolyICLCore

@Suite struct NumpyFileTests {
    @Test func readsFilesWrittenByNumPy() throws {
        let directory = try DataTestSupport.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try DataTestSupport.runPython("""
            import numpy as np
            from numpy.lib import format as fmt
            a = (np.arange(24, dtype=np.float64).reshape(2, 3, 4) - 7.25) / 3.0
            np.save('f8.npy', a)
            np.save('f4.npy', a.astype(np.float32))
            np.save('be4.npy', a.astype('>f4'))
            np.save('be8.npy', a.astype('>f8'))
            np.save('vector.npy', np.array([1.5, -2.0, 1e-30], dtype=np.float32))
            for version in [(2, 0), (3, 0)]:
                with open('v%d.npy' % version[0], 'wb') as f:
                    fmt.write_array(f, a, version=version)
            np.save('fortran.npy', np.asfortranarray(a))
            np.save('ints.npy', np.arange(6, dtype=np.int64).reshape(2, 3))
            """, in: directory)
        let expected = (0..<24).map { (Double($0) - 7.25) / 3.0 }
        for name in ["f8", "be8", "v2", "v3"] {
            let array = try NumpyFile.read(directory.appendingPathComponent("\(name).npy"))
            #expect(array.shape == [2, 3, 4], "\(name)")
            #expect(array.element == .float64, "\(name)")
            #expect(array.values == expected, "\(name)")
        }
        for name in ["f4", "be4"] {
            let array = try NumpyFile.read(directory.appendingPathComponent("\(name).npy"))
            #expect(array.shape == [2, 3, 4], "\(name)")
            #expect(array.element == .float32, "\(name)")
            #expect(array.floats == expected.map { Float($0) }, "\(name)")
        }
        let vector = try NumpyFile.read(directory.appendingPathComponent("vector.npy"))
        #expect(vector.shape == [3])
        #expect(vector.floats == [1.5, -2.0, 1e-30])

        let fortran = directory.appendingPathComponent("fortran.npy")
        let fortranError = try #require(throws: FileFormatError.self) { try NumpyFile.read(fortran) }
        #expect(fortranError.file == fortran.path)
        #expect(fortranError.problem.contains("fortran_order"))
        #expect(fortranError.problem.contains("(2, 3, 4)"))

        let ints = directory.appendingPathComponent("ints.npy")
        let intError = try #require(throws: FileFormatError.self) { try NumpyFile.read(ints) }
        #expect(intError.problem.contains("<i8"))
        #expect(intError.problem.contains("(2, 3)"))
        #expect(intError.problem.contains("float32"))
    }

    @Test func numPyReadsOurFiles() throws {
        let directory = try DataTestSupport.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let values = (0..<30).map { Double($0) * 0.1 - 1.0 / 3.0 }
        try NumpyFile.write(NumpyArray(shape: [5, 6], values: values), to: directory.appendingPathComponent("ours8.npy"))
        try NumpyFile.write(NumpyArray(shape: [2, 5, 3], floats: values.map { Float($0) }), to: directory.appendingPathComponent("ours4.npy"))
        try NumpyFile.write(NumpyArray(shape: [4], floats: [1, 2, 3, 4]), to: directory.appendingPathComponent("vector.npy"))
        try NumpyFile.write(NumpyArray(shape: [0, 3], values: []), to: directory.appendingPathComponent("empty.npy"))
        let output = try DataTestSupport.runPython("""
            import numpy as np
            expected = np.arange(30) * 0.1 - 1.0 / 3.0
            a = np.load('ours8.npy')
            assert a.dtype == np.float64 and a.shape == (5, 6), (a.dtype, a.shape)
            assert np.array_equal(a.ravel(), expected)
            b = np.load('ours4.npy')
            assert b.dtype == np.float32 and b.shape == (2, 5, 3), (b.dtype, b.shape)
            assert np.array_equal(b.ravel(), expected.astype(np.float32))
            c = np.load('vector.npy')
            assert c.shape == (4,) and list(c) == [1, 2, 3, 4]
            e = np.load('empty.npy')
            assert e.shape == (0, 3)
            print('ok')
            """, in: directory)
        #expect(output.contains("ok"))
    }

    @Test func roundTripsInBothHeaderVersions() throws {
        let array = NumpyArray(shape: [3, 1, 2], values: [1, -2, 3.5, .pi, 0, -0.0])
        let bytes = try NumpyFile.encode(array, file: "memory")
        #expect(bytes[6] == 1)
        #expect((bytes.count - array.values.count * 8) % 64 == 0)
        let back = try NumpyFile.decode(bytes, file: "memory")
        #expect(back.shape == array.shape && back.values.map(\.bitPattern) == array.values.map(\.bitPattern))
        // A header longer than 65535 bytes does not fit format 1.0's 2-byte length.
        let manyAxes = NumpyArray(shape: [Int](repeating: 1, count: 30_000) + [2], floats: [0.25, -8])
        let long = try NumpyFile.encode(manyAxes, file: "memory")
        #expect(long[6] == 2)
        #expect(long.count % 64 == 8)
        #expect(try NumpyFile.decode(long, file: "memory") == manyAxes)
    }

    @Test func corruptFilesGiveErrorsNamingTheFile() throws {
        let good = try NumpyFile.encode(NumpyArray(shape: [4, 4], floats: [Float](repeating: 1, count: 16)), file: "x")
        for length in [0, 5, 9, 20, good.count - 1] {
            let error = try #require(throws: FileFormatError.self) { try NumpyFile.decode(Array(good.prefix(length)), file: "cut.npy") }
            #expect(error.file == "cut.npy")
        }
        var badMagic = good
        badMagic[1] = 0
        #expect(throws: FileFormatError.self) { try NumpyFile.decode(badMagic, file: "m.npy") }
        var badVersion = good
        badVersion[6] = 9
        let versionError = try #require(throws: FileFormatError.self) { try NumpyFile.decode(badVersion, file: "v.npy") }
        #expect(versionError.problem.contains("9.0"))
        // Random damage to the header or data: an array or a FileFormatError, never a crash.
        var generator = RandomGenerator(seed: 12)
        for _ in 0..<3000 {
            var damaged = good
            for _ in 0..<(1 + generator.nextInt(below: 3)) {
                damaged[generator.nextInt(below: 90)] = UInt8(truncatingIfNeeded: generator.next())
            }
            do { _ = try NumpyFile.decode(damaged, file: "d.npy") } catch let error as FileFormatError { #expect(error.file == "d.npy") }
        }
        // A shape whose byte count overflows Int is an error, not a crash.
        var hugeShape = Array(try NumpyFile.encode(NumpyArray(shape: [1, 1], values: [0]), file: "x"))
        let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2305843009213693952, 2), }"
        hugeShape.replaceSubrange(10..<(10 + header.utf8.count), with: Array(header.utf8))
        let hugeError = try #require(throws: FileFormatError.self) { try NumpyFile.decode(hugeShape, file: "h.npy") }
        #expect(hugeError.problem.contains("truncated"))
        let missing = URL(fileURLWithPath: "/nonexistent/xs.npy")
        let missingError = try #require(throws: FileFormatError.self) { try NumpyFile.read(missing) }
        #expect(missingError.file == missing.path)
    }
}
