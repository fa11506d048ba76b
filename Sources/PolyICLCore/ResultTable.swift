/// A table of numbers with named columns: what evaluation and analysis return, and what
/// the rendering layer draws. Plain values only; nothing here knows about HTML or SVG.
public struct ResultTable: Sendable, Equatable, Codable {
    public struct Column: Sendable, Equatable, Codable {
        public var name: String
        public var values: [Double]
        public init(name: String, values: [Double]) {
            self.name = name
            self.values = values
        }
    }

    public var title: String
    public var columns: [Column]
    /// Free-form facts about how the table was made (task, samples, seed, ...), in order.
    public var notes: [String: String]

    public init(title: String, columns: [Column], notes: [String: String] = [:]) {
        self.title = title
        self.columns = columns
        self.notes = notes
    }

    public var rowCount: Int { columns.first?.values.count ?? 0 }

    public subscript(column name: String) -> [Double]? {
        columns.first { $0.name == name }?.values
    }
}
