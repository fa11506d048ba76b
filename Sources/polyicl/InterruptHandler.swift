import Dispatch
import Foundation
import PolyICLCore
#if canImport(Glibc)
import Glibc
#endif

/// Turns SIGINT (Ctrl-C) into a cancellation request: training stops after the current
/// step so its work can be saved. A second SIGINT ends the process at once (exit 130).
final class InterruptHandler {
    let flag = CancellationFlag()
    private let source: DispatchSourceSignal

    init() {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        let flag = self.flag
        source.setEventHandler {
            if flag.isCancelled { _exit(130) }
            flag.cancel()
            FileHandle.standardError.write(Data("\ninterrupt: stopping after the current step (press Ctrl-C again to quit without saving)\n".utf8))
        }
        source.resume()
        self.source = source
    }

    var interrupted: Bool { flag.isCancelled }

    deinit {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}
