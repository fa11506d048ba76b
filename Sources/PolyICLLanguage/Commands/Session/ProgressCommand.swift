import Foundation

enum ProgressCommand {
    static let declaration = CommandDeclaration(
        name: "progress",
        summary: "Show a progress bar that counts to a number: a try-out of live displays.",
        help: "Shows a display with an id, then updates it once per step: the same mechanism training uses for its live progress.",
        examples: ["progress 5", "progress 20 delay=0.05"],
        positionals: [Parameter("steps", .integer(IntegerBounds(minimum: 1, maximum: 100_000)), required: true, help: "How many updates.")],
        keys: [Parameter("delay", .number(NumberBounds(minimum: 0, maximum: 10)), default: .number(0.1), help: "Seconds between updates.")],
        run: { invocation in
            let steps = invocation.arguments.integer("steps") ?? 1
            let delay = invocation.arguments.number("delay") ?? 0.1
            let id = invocation.newDisplayID()
            invocation.sink.display(bundle(done: 0, of: steps), displayID: id)
            for step in 1...steps {
                try invocation.checkCancellation("progress stopped at \(step - 1)/\(steps)")
                if delay > 0 { Thread.sleep(forTimeInterval: delay) }
                invocation.sink.updateDisplay(id, bundle(done: step, of: steps))
            }
            return nil
        })

    static func bundle(done: Int, of total: Int) -> MIMEBundle {
        let width = 30
        let filled = total > 0 ? done * width / total : width
        let percent = total > 0 ? done * 100 / total : 100
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let text = "[\(bar)] \(done)/\(total) (\(percent)%)"
        let html = """
        <div style="font-family:monospace"><progress value="\(done)" max="\(total)" style="width:20em"></progress> \(done)/\(total) (\(percent)%)</div>
        """
        return MIMEBundle(plainText: text, html: html)
    }
}
