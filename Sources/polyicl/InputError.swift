/// A problem with the command's input found while running (a file, or options that do not
/// fit the model): printed as `Error: <description>` with exit status 1, without the usage
/// text that ArgumentParser adds to a `ValidationError`.
struct InputError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
