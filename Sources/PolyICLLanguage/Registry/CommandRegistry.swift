/// The commands a session understands, by name.
public struct CommandRegistry: Sendable {
    public let commands: [CommandDeclaration]
    private let byName: [String: Int]

    public init(_ commands: [CommandDeclaration]) {
        var byName: [String: Int] = [:]
        var kept: [CommandDeclaration] = []
        // A later declaration of the same name replaces the earlier one (how a build
        // binds a declared command: register the bound declaration after it).
        for command in commands {
            if let i = byName[command.name] {
                kept[i] = command
            } else {
                byName[command.name] = kept.count
                kept.append(command)
            }
        }
        self.commands = kept
        self.byName = byName
    }

    public subscript(name: String) -> CommandDeclaration? { byName[name].map { commands[$0] } }
    public var names: [String] { commands.map(\.name).sorted() }

    /// Every command of the language, in help order.
    public static let standard = CommandRegistry([
        // Working with the session and showing things.
        PrintCommand.declaration, DisplayCommand.declaration, HelpCommand.declaration,
        ListCommand.declaration, DeleteCommand.declaration, ClearCommand.declaration,
        ProgressCommand.declaration, SleepCommand.declaration,
        // Bound to the training core.
        TaskCommand.declaration, ModelCommand.declaration, TrainCommand.declaration,
        EvalCommand.declaration, PlotCommand.declaration, TableCommand.declaration,
        ShowCommand.declaration, DensityCommand.declaration, SaveCommand.declaration, LoadCommand.declaration,
        ExportCommand.declaration,
        // Distribution shift and the residual stream.
        ShiftCommand.declaration, SpectraCommand.declaration, SignatureCommand.declaration,
        // Fine-tuning and the paper's experiments.
        LoRACommand.declaration, SoftPromptCommand.declaration, MergeCommand.declaration,
        CompareCommand.declaration, AlignCommand.declaration, JailbreakCommand.declaration,
        NearestCommand.declaration, PerturbCommand.declaration,
        // Slurm: scripts as batch jobs.
        SubmitCommand.declaration, WatchCommand.declaration, CancelCommand.declaration, ResultCommand.declaration,
    ])

    /// A registry with more commands (or rebound ones) added after these.
    public func adding(_ more: [CommandDeclaration]) -> CommandRegistry { CommandRegistry(commands + more) }
}
