/// A batch, group name or shape the model cannot take, with what would be right.
public struct ModelInputError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
