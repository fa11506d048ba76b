import ArgumentParser

struct KernelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernel",
        abstract: "Serve the Jupyter messaging protocol for one connection file."
    )

    func run() throws {
        throw ValidationError("'polyicl kernel' is not available in this build yet.")
    }
}
