import Foundation

/// One tensor of a safetensors file.
public struct SafetensorsTensor: Sendable, Equatable {
    /// Element types PolyICL reads; F16 and BF16 are widened to Float32 on read.
    public enum DType: String, Sendable, Equatable {
        case f32 = "F32", f64 = "F64", f16 = "F16", bf16 = "BF16"
        var width: Int {
            switch self {
            case .f32: return 4
            case .f64: return 8
            case .f16, .bf16: return 2
            }
        }
    }

    /// The values, row-major: Float32 (F32, F16, BF16 files) or Float64 (F64).
    public enum Values: Sendable, Equatable {
        case float32([Float])
        case float64([Double])
        public var count: Int {
            switch self {
            case .float32(let v): return v.count
            case .float64(let v): return v.count
            }
        }
    }

    public var name: String
    /// The element type in the file (what a write produces: F32 for `.float32`, F64 for `.float64`).
    public var dtype: DType
    public var shape: [Int]
    public var values: Values

    /// A Float32 tensor (written as F32).
    public init(name: String, shape: [Int], floats: [Float]) {
        self.init(name: name, dtype: .f32, shape: shape, values: .float32(floats))
    }

    /// A Float64 tensor (written as F64).
    public init(name: String, shape: [Int], doubles: [Double]) {
        self.init(name: name, dtype: .f64, shape: shape, values: .float64(doubles))
    }

    public init(name: String, dtype: DType, shape: [Int], values: Values) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.values = values
    }

    /// The values as Float32 (F64 values rounded).
    public var floats: [Float] {
        switch values {
        case .float32(let v): return v
        case .float64(let v): return v.map(Float.init)
        }
    }
}

/// The contents of a safetensors file: tensors in the order of their data, and the
/// optional `__metadata__` string-to-string map.
public struct SafetensorsFile: Sendable, Equatable {
    public var tensors: [SafetensorsTensor]
    public var metadata: [String: String]

    public init(tensors: [SafetensorsTensor], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    public subscript(name: String) -> SafetensorsTensor? { tensors.first { $0.name == name } }
}

/// Reads and writes safetensors files (https://huggingface.co/docs/safetensors): an 8-byte
/// little-endian header length N, N bytes of JSON (`{"name": {"dtype": "F32", "shape":
/// [..], "data_offsets": [begin, end]}, "__metadata__": {...}}`, offsets relative to the
/// byte after the header), then the raw little-endian tensor data.
///
/// Reading checks everything and throws a ``FileFormatError`` naming the file and the
/// problem: truncation, an absurd header length, bad JSON, unknown dtypes, offsets out of
/// bounds or overlapping, shapes that do not match their bytes. Writing is atomic.
public enum Safetensors {
    /// Header lengths above this are refused as corrupt (the reference implementation's limit).
    public static let maximumHeaderLength = 100_000_000

    public static func read(_ url: URL) throws -> SafetensorsFile {
        try decode(AtomicFile.read(url), file: url.path)
    }

    public static func write(_ contents: SafetensorsFile, to url: URL) throws {
        try write(contents, to: url, beforeRename: {})
    }

    /// `beforeRename` runs once the temporary file is complete; tests use it to simulate
    /// an interrupted save.
    static func write(_ contents: SafetensorsFile, to url: URL, beforeRename: () throws -> Void) throws {
        try AtomicFile.write(encode(contents, file: url.path), to: url, beforeRename: beforeRename)
    }

    public static func decode(_ bytes: [UInt8], file: String) throws -> SafetensorsFile {
        func fail(_ problem: String) -> FileFormatError { FileFormatError(file: file, problem: problem) }
        guard bytes.count >= 8 else {
            throw fail("truncated: a safetensors file starts with an 8-byte header length, this file has \(bytes.count) bytes")
        }
        var length: UInt64 = 0
        for i in 0..<8 { length |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard length <= UInt64(maximumHeaderLength) else {
            throw fail("header length \(length) is absurd (limit \(maximumHeaderLength) bytes): not a safetensors file, or corrupt")
        }
        let headerLength = Int(length)
        guard 8 + headerLength <= bytes.count else {
            throw fail("truncated: the header is \(headerLength) bytes but only \(bytes.count - 8) follow the length")
        }
        let headerBytes = bytes[8..<(8 + headerLength)]
        guard headerBytes.first == UInt8(ascii: "{") else {
            throw fail("the header does not start with '{': not a safetensors file, or corrupt")
        }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(headerBytes))
        } catch {
            throw fail("the header is not valid JSON (\(error.localizedDescription))")
        }
        guard let header = json as? [String: Any] else { throw fail("the header is not a JSON object") }

        var metadata: [String: String] = [:]
        if let raw = header["__metadata__"] {
            guard let dictionary = raw as? [String: Any] else { throw fail("__metadata__ is not a JSON object") }
            for (key, value) in dictionary {
                guard let text = value as? String else { throw fail("__metadata__ entry '\(key)' is not a string (safetensors metadata is string to string)") }
                metadata[key] = text
            }
        }

        let dataStart = 8 + headerLength
        let dataLength = bytes.count - dataStart
        var entries: [(name: String, dtype: SafetensorsTensor.DType, shape: [Int], begin: Int, end: Int)] = []
        for (name, raw) in header where name != "__metadata__" {
            func bad(_ problem: String) -> FileFormatError { fail("tensor '\(name)': \(problem)") }
            guard let entry = raw as? [String: Any] else { throw bad("its header entry is not a JSON object") }
            guard let dtypeName = entry["dtype"] as? String else { throw bad("no \"dtype\" string") }
            guard let dtype = SafetensorsTensor.DType(rawValue: dtypeName) else {
                throw bad("dtype \(dtypeName) is not supported (supported: F32, F64, F16, BF16)")
            }
            guard let shapeItems = entry["shape"] as? [Any] else { throw bad("no \"shape\" list") }
            let shape = try shapeItems.map { item -> Int in
                guard let number = item as? NSNumber, let dimension = Int(exactly: number.doubleValue), dimension >= 0 else {
                    throw bad("shape \(shapeItems) is not a list of non-negative integers")
                }
                return dimension
            }
            guard let offsetItems = entry["data_offsets"] as? [Any], offsetItems.count == 2,
                  let begin = (offsetItems[0] as? NSNumber).flatMap({ Int(exactly: $0.doubleValue) }),
                  let end = (offsetItems[1] as? NSNumber).flatMap({ Int(exactly: $0.doubleValue) }) else {
                throw bad("\"data_offsets\" is not a list of two integers")
            }
            guard begin >= 0, begin <= end, end <= dataLength else {
                throw bad("data_offsets [\(begin), \(end)] lie outside the \(dataLength) data bytes of the file\(end > dataLength ? " (truncated?)" : "")")
            }
            var count = 1
            for dimension in shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
                guard !overflow else { throw bad("shape \(shape) is too large") }
                count = product
            }
            guard count <= (end - begin) / dtype.width, count * dtype.width == end - begin else {
                throw bad("shape \(shape) of \(dtypeName) needs \(count.multipliedReportingOverflow(by: dtype.width).partialValue) bytes but data_offsets [\(begin), \(end)] hold \(end - begin)")
            }
            entries.append((name, dtype, shape, begin, end))
        }
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var previous: (name: String, end: Int)?
        for entry in entries where entry.end > entry.begin {
            if let previous, entry.begin < previous.end {
                throw fail("tensors '\(previous.name)' and '\(entry.name)' overlap (data ending at \(previous.end), data starting at \(entry.begin))")
            }
            previous = (entry.name, entry.end)
        }

        let tensors = bytes.withUnsafeBytes { raw -> [SafetensorsTensor] in
            let data = raw.baseAddress! + dataStart
            return entries.map { entry in
                let base = data + entry.begin
                let count = (entry.end - entry.begin) / entry.dtype.width
                let values: SafetensorsTensor.Values
                switch entry.dtype {
                case .f32:
                    values = .float32((0..<count).map { Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) })
                case .f64:
                    values = .float64((0..<count).map { Double(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self))) })
                case .f16:
                    values = .float32((0..<count).map { floatFromHalf(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) })
                case .bf16:
                    values = .float32((0..<count).map { Float(bitPattern: UInt32(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) << 16) })
                }
                return SafetensorsTensor(name: entry.name, dtype: entry.dtype, shape: entry.shape, values: values)
            }
        }
        return SafetensorsFile(tensors: tensors, metadata: metadata)
    }

    /// Encodes tensors in the given order (F32 or F64 as their values), header keys in the
    /// same order, the header padded with spaces to a multiple of 8 bytes as the reference
    /// writer does.
    public static func encode(_ contents: SafetensorsFile, file: String) throws -> [UInt8] {
        var names = Set<String>()
        var json = "{"
        var parts: [String] = []
        if !contents.metadata.isEmpty {
            let items = contents.metadata.sorted { $0.key < $1.key }.map { "\(JSONText.quoted($0.key)):\(JSONText.quoted($0.value))" }
            parts.append("\"__metadata__\":{" + items.joined(separator: ",") + "}")
        }
        var offset = 0
        for tensor in contents.tensors {
            guard tensor.name != "__metadata__", names.insert(tensor.name).inserted else {
                throw FileFormatError(file: file, problem: "cannot write two tensors named '\(tensor.name)'")
            }
            let count = tensor.shape.reduce(1, *)
            guard tensor.shape.allSatisfy({ $0 >= 0 }), count == tensor.values.count else {
                throw FileFormatError(file: file, problem: "tensor '\(tensor.name)' has \(tensor.values.count) values, which do not fill shape \(tensor.shape)")
            }
            let width: Int, dtype: String
            switch tensor.values {
            case .float32: (width, dtype) = (4, "F32")
            case .float64: (width, dtype) = (8, "F64")
            }
            let shape = "[" + tensor.shape.map(String.init).joined(separator: ",") + "]"
            parts.append("\(JSONText.quoted(tensor.name)):{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":[\(offset),\(offset + count * width)]}")
            offset += count * width
        }
        json += parts.joined(separator: ",") + "}"
        var header = Array(json.utf8)
        header += [UInt8](repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)
        var bytes = [UInt8]()
        bytes.reserveCapacity(8 + header.count + offset)
        let length = UInt64(header.count)
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: length >> (8 * UInt64(i)))) }
        bytes += header
        let dataStart = bytes.count
        bytes += [UInt8](repeating: 0, count: offset)
        bytes.withUnsafeMutableBytes { raw in
            var cursor = raw.baseAddress! + dataStart
            for tensor in contents.tensors {
                switch tensor.values {
                case .float32(let values):
                    for v in values { cursor.storeBytes(of: v.bitPattern.littleEndian, as: UInt32.self); cursor += 4 }
                case .float64(let values):
                    for v in values { cursor.storeBytes(of: v.bitPattern.littleEndian, as: UInt64.self); cursor += 8 }
                }
            }
        }
        return bytes
    }

    /// IEEE 754 half precision to single precision (exact).
    static func floatFromHalf(_ bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = Int(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x03FF)
        if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }  // inf / NaN
        if exponent == 0 {
            // Zero or subnormal: mantissa * 2^-24.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign != 0 ? -magnitude : magnitude
        }
        return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
    }
}
