import Foundation

enum SleepCommand {
    /// How often a sleeping cell looks at the cancellation flag.
    static let pollInterval = 0.005

    static let declaration = CommandDeclaration(
        name: "sleep",
        summary: "Wait a number of seconds (interruptible).",
        help: "Useful to try interrupts: the wait stops within a few milliseconds of an interrupt, with an error.",
        examples: ["sleep 0.5", "sleep 30"],
        positionals: [Parameter("seconds", .number(NumberBounds(minimum: 0, maximum: 86_400)), required: true, help: "How long to wait.")],
        run: { invocation in
            let seconds = invocation.arguments.number("seconds") ?? 0
            let start = Date()
            while true {
                let elapsed = Date().timeIntervalSince(start)
                if elapsed >= seconds { break }
                try invocation.checkCancellation("sleep \(Value.format(seconds).trimmingZeroFraction) stopped after \(formatSeconds(elapsed))")
                Thread.sleep(forTimeInterval: min(pollInterval, seconds - elapsed))
            }
            return nil
        })

    static func formatSeconds(_ s: Double) -> String {
        let tenths = (s * 10).rounded() / 10
        return "\(tenths) s"
    }
}
