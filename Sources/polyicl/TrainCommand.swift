import ArgumentParser

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Pretrain or continue training a model."
    )

    func run() throws {
        throw ValidationError("'polyicl train' is not available in this build yet.")
    }
}
