/// A place in a cell's text. Columns and offsets count Unicode code points (scalars), the
/// unit Jupyter uses for cursor positions, so a position found here can be handed to a
/// frontend unchanged.
public struct SourcePosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Offset from the start of the cell, in code points.
    public var offset: Int
    /// 1-based line number.
    public var line: Int
    /// 1-based column, in code points.
    public var column: Int

    public init(offset: Int, line: Int, column: Int) {
        self.offset = offset
        self.line = line
        self.column = column
    }

    public static func < (a: SourcePosition, b: SourcePosition) -> Bool { a.offset < b.offset }
    public var description: String { "\(line):\(column)" }
}

/// A half-open span of a cell's text, [start, end).
public struct SourceRange: Sendable, Hashable, CustomStringConvertible {
    public var start: SourcePosition
    public var end: SourcePosition

    public init(_ start: SourcePosition, _ end: SourcePosition) {
        self.start = start
        self.end = end
    }

    /// Smallest range covering both.
    public func union(_ other: SourceRange) -> SourceRange {
        SourceRange(min(start, other.start), max(end, other.end))
    }

    public var description: String { start.description }
}
