import ArgumentParser

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict every x position of prompts read from .npy files."
    )

    func run() throws {
        throw ValidationError("'polyicl predict' is not available in this build yet.")
    }
}
