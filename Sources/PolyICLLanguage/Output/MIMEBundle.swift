/// The MIME representations of one output. Always carries text/plain, which every
/// frontend (and `polyicl run`) can show.
public struct MIMEBundle: Sendable, Hashable {
    public static let plain = "text/plain"
    public static let html = "text/html"
    public static let svg = "image/svg+xml"
    public static let markdown = "text/markdown"

    /// MIME type -> content.
    public private(set) var data: [String: String]

    public init(plainText: String, html: String? = nil, svg: String? = nil, markdown: String? = nil) {
        data = [Self.plain: plainText]
        if let html { data[Self.html] = html }
        if let svg { data[Self.svg] = svg }
        if let markdown { data[Self.markdown] = markdown }
    }

    public var plainText: String { data[Self.plain] ?? "" }

    public subscript(mimeType: String) -> String? { data[mimeType] }

    /// Adds or replaces a representation; text/plain cannot be removed, only replaced.
    public mutating func set(_ mimeType: String, _ content: String) {
        data[mimeType] = content
    }
}
