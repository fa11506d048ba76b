/// Anything a session keeps under a name. Core-bound objects (tasks, models, results)
/// conform next round; the interpreter only needs their kind, a one-line summary for
/// `list`, and what a bare name shows.
public protocol SessionObject {
    var kind: ObjectKind { get }
    /// One line for `list`: "chebyshev, degree 0..11", "standard model, 20000 steps".
    var summary: String { get }
    /// What the cell shows when the name is written alone (always has text/plain).
    func representation() -> MIMEBundle
}

/// A literal kept under a name: `x = 3`.
public struct ValueObject: SessionObject, Sendable, Equatable {
    public var value: Value
    public init(_ value: Value) { self.value = value }
    public var kind: ObjectKind { .value }
    public var summary: String { value.description }
    public func representation() -> MIMEBundle { MIMEBundle(plainText: value.description) }
}
