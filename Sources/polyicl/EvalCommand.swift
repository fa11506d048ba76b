import ArgumentParser

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a checkpoint against baselines, per context position."
    )

    func run() throws {
        throw ValidationError("'polyicl eval' is not available in this build yet.")
    }
}
