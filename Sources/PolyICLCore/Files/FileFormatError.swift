/// A file that cannot be read or written as asked: names the file and says what is wrong
/// and, where it helps, what would be right. Used by the `.npy` and safetensors code.
public struct FileFormatError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The path of the file, as given by the caller.
    public var file: String
    /// What is wrong, in words a person can act on.
    public var problem: String

    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    public var description: String { "\(file): \(problem)" }
}
