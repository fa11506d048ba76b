import ArgumentParser

@main
struct PolyICL: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "polyicl",
        abstract: "In-context learning of polynomials with small transformers, as a Jupyter kernel and a command line.",
        subcommands: [
            KernelCommand.self, InstallCommand.self, RunCommand.self,
            TrainCommand.self, EvalCommand.self, PredictCommand.self, BenchCommand.self,
        ]
    )
}
