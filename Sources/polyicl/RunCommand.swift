import ArgumentParser

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a script of commands or execute a notebook."
    )

    func run() throws {
        throw ValidationError("'polyicl run' is not available in this build yet.")
    }
}
