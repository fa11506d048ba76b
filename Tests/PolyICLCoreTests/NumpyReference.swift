import Foundation
import Testing

/// Hands named arrays to a NumPy script as JSON (`inputs` in the script) and reads back the
/// JSON object the script prints: the independent reference of the analysis tests.
enum NumpyReference {
    static func run(_ script: String, inputs: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let directory = try DataTestSupport.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = try JSONSerialization.data(withJSONObject: inputs)
        try data.write(to: directory.appendingPathComponent("inputs.json"))
        let prelude = """
        import json
        import numpy as np
        with open("inputs.json") as f:
            inputs = json.load(f)

        """
        let output = try DataTestSupport.runPython(prelude + script, in: directory, sourceLocation: sourceLocation)
        guard let object = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any] else {
            throw DataTestSupport.PythonFailed(message: "the script printed no JSON object: \(output.prefix(200))")
        }
        return object
    }

    static func doubles(_ value: Any?) -> [Double] {
        (value as? [Any])?.compactMap { ($0 as? NSNumber)?.doubleValue } ?? []
    }

    static func matrix(_ value: Any?) -> [[Double]] {
        (value as? [Any])?.map { doubles($0) } ?? []
    }
}
