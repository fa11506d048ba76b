import ArgumentParser

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure training and evaluation speed."
    )

    func run() throws {
        throw ValidationError("'polyicl bench' is not available in this build yet.")
    }
}
