/// Output data keyed by MIME type. Always has text/plain, which every frontend can show
/// and execute_result requires.
public struct MIMEBundle: Sendable, Equatable {
    public private(set) var data: JSONObject

    public init(plainText: String) { data = ["text/plain": .string(plainText)] }

    /// `plainText` plus more representations, e.g. "text/html": .string(...),
    /// "image/svg+xml": .string(...), "application/json": .object(...).
    public init(plainText: String, _ representations: [(mimeType: String, value: JSONValue)]) {
        self.init(plainText: plainText)
        for (type, value) in representations where type != "text/plain" { data[type] = value }
    }

    public var plainText: String { data["text/plain"]?.stringValue ?? "" }

    public subscript(mimeType: String) -> JSONValue? {
        get { data[mimeType] }
        set {
            if mimeType == "text/plain", newValue?.stringValue == nil { return }
            data[mimeType] = newValue
        }
    }
}
