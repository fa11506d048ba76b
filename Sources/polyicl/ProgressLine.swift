import Foundation
import PolyICLCore
#if canImport(Glibc)
import Glibc
#endif

/// The training progress on stderr: one line rewritten in place a few times a second on a
/// terminal; plain lines, at most one every `logInterval` seconds, when stderr is a file or
/// a pipe (batch jobs keep a readable log instead of a wall of carriage returns).
final class ProgressLine {
    let isTerminal: Bool
    private let refreshInterval: Double
    private let logInterval: Double
    private var lastShown = -Double.infinity
    private var lineOpen = false

    /// Whether nothing is written (the ranks of an MPI job other than 0).
    private let silent: Bool

    init(terminalRefresh: Double = 0.25, logInterval: Double = 5, silent: Bool = false) {
        self.silent = silent
        isTerminal = isatty(STDERR_FILENO) == 1
        refreshInterval = terminalRefresh
        self.logInterval = logInterval
    }

    /// Shows `progress` if enough time has passed since the last line (the last step always shows).
    func update(_ progress: TrainingProgress) {
        let last = progress.step == progress.totalSteps
        guard last || progress.elapsed - lastShown >= (isTerminal ? refreshInterval : logInterval) else { return }
        lastShown = progress.elapsed
        let text = Self.describe(progress)
        if isTerminal {
            write("\r\u{1B}[K" + text)
            lineOpen = true
        } else {
            write(text + "\n")
        }
    }

    /// Ends the in-place line so that the next message starts on its own line.
    func finish() {
        if lineOpen { write("\n"); lineOpen = false }
    }

    /// Prints a message on a line of its own.
    func message(_ text: String) {
        finish()
        write(text + "\n")
    }

    static func describe(_ p: TrainingProgress) -> String {
        let width = String(p.totalSteps).count
        let step = String(repeating: " ", count: max(0, width - String(p.step).count)) + String(p.step)
        return "step \(step)/\(p.totalSteps)  loss \(String(format: "%.5f", p.loss))  points \(p.points)  "
            + "\(String(format: "%.2f", p.stepsPerSecond)) steps/s  elapsed \(duration(p.elapsed))  ETA \(duration(p.estimatedRemaining))"
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "--:--" }
        let total = Int(seconds.rounded())
        let hours = total / 3600, minutes = total / 60 % 60, rest = total % 60
        let mmss = String(format: "%02d:%02d", minutes, rest)
        return hours > 0 ? "\(hours):\(mmss)" : mmss
    }

    private func write(_ text: String) {
        if silent { return }
        FileHandle.standardError.write(Data(text.utf8))
    }
}
