import Dispatch
import Foundation
import PolyICLCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Turns SIGINT (Ctrl-C) and SIGTERM (what Slurm sends before a time limit or preemption,
/// and `kill`'s default) into a cancellation request: training stops after the current step
/// so its work can be saved. A second signal ends the process at once, without saving.
final class InterruptHandler {
    let flag = CancellationFlag()
    private let sources: [DispatchSourceSignal]
    private let received = ReceivedSignal()

    init() {
        let flag = self.flag, received = self.received
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if flag.isCancelled { _exit(128 + number) }
                received.number.store(number, ordering: .relaxed)
                flag.cancel()
                let name = number == SIGINT ? "interrupt" : "SIGTERM"
                FileHandle.standardError.write(Data("\n\(name): stopping after the current step to save it (a second signal quits without saving)\n".utf8))
            }
            source.resume()
            return source
        }
    }

    var interrupted: Bool { flag.isCancelled }

    /// How the run was stopped, for its last message.
    var signalName: String { received.number.load(ordering: .relaxed) == SIGTERM ? "terminated (SIGTERM)" : "interrupted" }

    /// The shell's status for a process ended by the signal received: 130 for SIGINT, 143 for SIGTERM.
    var exitStatus: Int32 {
        let number = received.number.load(ordering: .relaxed)
        return 128 + (number == 0 ? SIGINT : number)
    }

    deinit {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}

/// The last signal received (0: none), shared with the signal handlers.
private final class ReceivedSignal: Sendable {
    let number = Atomic<Int32>(0)
}
