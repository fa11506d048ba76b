import Foundation

/// An n-dimensional array of floating-point numbers as stored in a NumPy `.npy` file.
///
/// Values are row-major (C order). They are held as `Double`, which represents every
/// float32 and float64 value exactly; `element` says which type the file had or will have.
public struct NumpyArray: Sendable, Equatable {
    public enum Element: String, Sendable, Equatable {
        case float32
        case float64
    }

    public var shape: [Int]
    public var element: Element
    public var values: [Double]

    /// `values.count` must equal the product of `shape` (checked when written).
    public init(shape: [Int], values: [Double], element: Element = .float64) {
        self.shape = shape
        self.values = values
        self.element = element
    }

    /// A float32 array.
    public init(shape: [Int], floats: [Float]) {
        self.init(shape: shape, values: floats.map(Double.init), element: .float32)
    }

    /// The values rounded to Float (exact for arrays read from float32 files).
    public var floats: [Float] { values.map(Float.init) }
}

/// Reads and writes NumPy `.npy` files (format versions 1.0, 2.0 and 3.0), little- or
/// big-endian float32 and float64, C order. The format is documented in
/// numpy/lib/format.py: magic `\x93NUMPY`, two version bytes, a little-endian header
/// length (2 bytes in 1.0, 4 in 2.0/3.0), a Python dict literal with `descr`,
/// `fortran_order` and `shape`, padded so the data starts on a 64-byte boundary.
public enum NumpyFile {
    /// Reads an `.npy` file. Throws a ``FileFormatError`` naming the file and what is wrong
    /// (bad magic, truncated data, Fortran order, an unsupported dtype, ...).
    public static func read(_ url: URL) throws -> NumpyArray {
        try decode(AtomicFile.read(url), file: url.path)
    }

    /// Writes `array` atomically (temporary file, then rename) as format 1.0
    /// (2.0 if the header would not fit), little-endian, C order.
    public static func write(_ array: NumpyArray, to url: URL) throws {
        try AtomicFile.write(encode(array, file: url.path), to: url)
    }

    /// Decodes the bytes of an `.npy` file; `file` names it in errors.
    public static func decode(_ bytes: [UInt8], file: String) throws -> NumpyArray {
        func fail(_ problem: String) -> FileFormatError { FileFormatError(file: file, problem: problem) }
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw fail("not a NumPy .npy file (it does not start with the \\x93NUMPY magic string)")
        }
        let major = bytes[6], minor = bytes[7]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated: the header length is cut off") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw fail("format version \(major).\(minor) is not supported (supported: 1.0, 2.0, 3.0)")
        }
        guard headerStart + headerLength <= bytes.count else {
            throw fail("truncated: the header says it is \(headerLength) bytes but the file has only \(bytes.count - headerStart) after the preamble")
        }
        // 1.0 and 2.0 headers are latin-1, 3.0 UTF-8; the fields we read are ASCII either way.
        guard let header = String(bytes: bytes[headerStart..<(headerStart + headerLength)], encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw fail("the header is not valid text")
        }
        let fields = try NumpyHeader.parse(header, file: file)
        let shapeText = "(" + fields.shape.map(String.init).joined(separator: ", ") + (fields.shape.count == 1 ? ",)" : ")")
        if fields.fortranOrder {
            throw fail("fortran_order is True (array of shape \(shapeText), dtype '\(fields.descr)'); only C-order arrays are supported: save with np.ascontiguousarray(a)")
        }
        let element: NumpyArray.Element
        let bigEndian: Bool
        switch fields.descr {
        case "<f4", "=f4": (element, bigEndian) = (.float32, false)
        case ">f4": (element, bigEndian) = (.float32, true)
        case "<f8", "=f8": (element, bigEndian) = (.float64, false)
        case ">f8": (element, bigEndian) = (.float64, true)
        default:
            throw fail("dtype '\(fields.descr)' (array of shape \(shapeText)) is not supported: use float32 ('<f4') or float64 ('<f8'), for example a.astype(np.float32)")
        }
        var count = 1
        for dimension in fields.shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            if overflow || dimension < 0 { throw fail("shape \(shapeText) is not a valid array shape") }
            count = product
        }
        let width = element == .float32 ? 4 : 8
        let dataStart = headerStart + headerLength
        let available = bytes.count - dataStart
        let (needed, tooLarge) = count.multipliedReportingOverflow(by: width)
        guard !tooLarge, available >= needed else {
            throw fail("truncated: shape \(shapeText) of \(element) needs \(tooLarge ? "more than \(Int.max)" : "\(needed)") data bytes, the file has \(available)")
        }
        var values = [Double](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            let base = raw.baseAddress! + dataStart
            if element == .float32 {
                for i in 0..<count {
                    var bits = base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
                    bits = bigEndian ? UInt32(bigEndian: bits) : UInt32(littleEndian: bits)
                    values[i] = Double(Float(bitPattern: bits))
                }
            } else {
                for i in 0..<count {
                    var bits = base.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)
                    bits = bigEndian ? UInt64(bigEndian: bits) : UInt64(littleEndian: bits)
                    values[i] = Double(bitPattern: bits)
                }
            }
        }
        return NumpyArray(shape: fields.shape, values: values, element: element)
    }

    /// Encodes `array` as the bytes of an `.npy` file; `file` names it in errors.
    public static func encode(_ array: NumpyArray, file: String) throws -> [UInt8] {
        let count = array.shape.reduce(1, *)
        guard array.shape.allSatisfy({ $0 >= 0 }), count == array.values.count else {
            throw FileFormatError(file: file, problem: "cannot write \(array.values.count) values as shape \(array.shape)")
        }
        let shapeText = "(" + array.shape.map(String.init).joined(separator: ", ") + (array.shape.count == 1 ? ",)" : ")")
        let descr = array.element == .float32 ? "<f4" : "<f8"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        // Pad with spaces and end with a newline so the data starts on a 64-byte boundary.
        // Format 1.0 stores the header length in 2 bytes; longer headers need 2.0.
        func padded(_ preamble: Int) -> Int {
            let total = preamble + header.utf8.count + 1
            return header.utf8.count + 1 + (64 - total % 64) % 64
        }
        let version1 = padded(10) <= 65535
        let headerLength = padded(version1 ? 10 : 12)
        header += String(repeating: " ", count: headerLength - header.utf8.count - 1) + "\n"
        let headerBytes = Array(header.utf8)
        var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version1 ? 1 : 2, 0]
        let length = headerBytes.count
        bytes += version1
            ? [UInt8(length & 0xFF), UInt8(length >> 8)]
            : [UInt8(length & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length >> 16 & 0xFF), UInt8(length >> 24 & 0xFF)]
        bytes += headerBytes
        let width = array.element == .float32 ? 4 : 8
        let dataStart = bytes.count
        bytes += [UInt8](repeating: 0, count: count * width)
        bytes.withUnsafeMutableBytes { raw in
            let base = raw.baseAddress! + dataStart
            if array.element == .float32 {
                for i in 0..<count {
                    base.storeBytes(of: Float(array.values[i]).bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
                }
            } else {
                for i in 0..<count {
                    base.storeBytes(of: array.values[i].bitPattern.littleEndian, toByteOffset: 8 * i, as: UInt64.self)
                }
            }
        }
        return bytes
    }
}

/// The three fields of an `.npy` header, parsed from its Python dict literal.
struct NumpyHeader {
    var descr: String
    var fortranOrder: Bool
    var shape: [Int]

    /// Parses `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`: string keys,
    /// and values that are strings, True/False, or tuples of integers.
    static func parse(_ text: String, file: String) throws -> NumpyHeader {
        func fail(_ problem: String) -> FileFormatError {
            FileFormatError(file: file, problem: "bad .npy header \(text.trimmingCharacters(in: .whitespacesAndNewlines)): \(problem)")
        }
        enum Value { case string(String), bool(Bool), tuple([Int]) }
        let characters = Array(text)
        var index = 0
        func skipSpace() { while index < characters.count, characters[index].isWhitespace { index += 1 } }
        func expect(_ c: Character) throws {
            skipSpace()
            guard index < characters.count, characters[index] == c else { throw fail("expected '\(c)' at character \(index)") }
            index += 1
        }
        func parseString() throws -> String {
            skipSpace()
            guard index < characters.count, characters[index] == "'" || characters[index] == "\"" else {
                throw fail("expected a quoted string at character \(index)")
            }
            let quote = characters[index]
            index += 1
            var result = ""
            while index < characters.count, characters[index] != quote {
                result.append(characters[index])
                index += 1
            }
            guard index < characters.count else { throw fail("unterminated string") }
            index += 1
            return result
        }
        func parseValue() throws -> Value {
            skipSpace()
            guard index < characters.count else { throw fail("unexpected end") }
            let c = characters[index]
            if c == "'" || c == "\"" { return .string(try parseString()) }
            if c == "(" {
                index += 1
                var items: [Int] = []
                while true {
                    skipSpace()
                    guard index < characters.count else { throw fail("unterminated shape tuple") }
                    if characters[index] == ")" { index += 1; break }
                    var digits = ""
                    while index < characters.count, characters[index].isNumber { digits.append(characters[index]); index += 1 }
                    if index < characters.count, characters[index] == "L" { index += 1 }  // Python 2 longs
                    guard let value = Int(digits) else { throw fail("expected an integer in the shape at character \(index)") }
                    items.append(value)
                    skipSpace()
                    if index < characters.count, characters[index] == "," { index += 1 }
                }
                return .tuple(items)
            }
            for (word, value) in [("True", true), ("False", false)] where text.dropFirst(index).hasPrefix(word) {
                index += word.count
                return .bool(value)
            }
            throw fail("unexpected value at character \(index)")
        }
        var dictionary: [String: Value] = [:]
        try expect("{")
        while true {
            skipSpace()
            guard index < characters.count else { throw fail("unterminated dictionary") }
            if characters[index] == "}" { break }
            let key = try parseString()
            try expect(":")
            dictionary[key] = try parseValue()
            skipSpace()
            if index < characters.count, characters[index] == "," { index += 1 }
        }
        guard case .string(let descr)? = dictionary["descr"] else { throw fail("no 'descr' string") }
        guard case .bool(let fortran)? = dictionary["fortran_order"] else { throw fail("no 'fortran_order' True/False") }
        guard case .tuple(let shape)? = dictionary["shape"] else { throw fail("no 'shape' tuple") }
        return NumpyHeader(descr: descr, fortranOrder: fortran, shape: shape)
    }
}
