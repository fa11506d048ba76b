#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The write end of the self-pipe the SIGINT handler writes to. A signal handler cannot
/// capture context, so it reads this global; it is set once before the handler is installed.
nonisolated(unsafe) private var interruptPipeWriteEnd: Int32 = -1

/// SIGINT as a stream of wake-ups for a thread. A process-wide handler (not a signal mask)
/// is used because threads started before the kernel (OpenBLAS starts its pool when the
/// library loads) would otherwise receive SIGINT with its default action and end the
/// process. The handler only write(2)s one byte, which is async-signal-safe.
enum InterruptSignal {
    /// Installs the handler and returns the read end of the pipe, or nil (with a log line)
    /// when the pipe or handler cannot be set up.
    static func install() -> Int32? {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            KernelLog.write("cannot create the interrupt pipe; SIGINT will not interrupt cells")
            return nil
        }
        // Never block the handler: if the pipe is full, interrupts are already pending.
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        interruptPipeWriteEnd = fds[1]
        var action = sigaction()
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = { _ in
            var byte: UInt8 = 1
            _ = write(interruptPipeWriteEnd, &byte, 1)
        }
        #else
        action.__sigaction_u.__sa_handler = { _ in
            var byte: UInt8 = 1
            _ = write(interruptPipeWriteEnd, &byte, 1)
        }
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        guard sigaction(SIGINT, &action, nil) == 0 else {
            KernelLog.write("cannot install the SIGINT handler; SIGINT will not interrupt cells")
            return nil
        }
        return fds[0]
    }

    /// Blocks until the next SIGINT; false when the pipe is gone.
    static func wait(readEnd: Int32) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            let n = read(readEnd, &buffer, buffer.count)
            if n > 0 { return true }
            if n < 0, errno == EINTR { continue }
            return false
        }
    }
}
