import ArgumentParser

struct InstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install the PolyICL kernel spec where Jupyter finds it."
    )

    func run() throws {
        throw ValidationError("'polyicl install' is not available in this build yet.")
    }
}
