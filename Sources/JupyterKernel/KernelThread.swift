#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A plain POSIX thread running a closure; the kernel needs a few long-lived threads and
/// nothing from a task scheduler.
final class KernelThread: @unchecked Sendable {
    private var thread: pthread_t? = nil
    private let finished = Locked(false)

    init(name: String, _ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(ThreadBody(body: body, finished: finished)).toOpaque()
        var tid = pthread_t()
        let rc = pthread_create(&tid, nil, { raw in
            let body = Unmanaged<ThreadBody>.fromOpaque(raw!).takeRetainedValue()
            body.body()
            body.finished.withLock { $0 = true }
            return nil
        }, box)
        if rc == 0 { thread = tid } else { KernelLog.write("cannot start thread \(name): error \(rc)") }
    }

    var isFinished: Bool { finished.withLock { $0 } }

    /// Waits until the thread ends or `timeout` seconds pass; true when it ended (and was joined).
    func join(timeout: Double) -> Bool {
        var waited = 0.0
        while !isFinished {
            if waited >= timeout { return false }
            usleep(2_000)
            waited += 0.002
        }
        if let thread { pthread_join(thread, nil) }
        thread = nil
        return true
    }
}

private final class ThreadBody: @unchecked Sendable {
    let body: @Sendable () -> Void
    let finished: Locked<Bool>
    init(body: @escaping @Sendable () -> Void, finished: Locked<Bool>) {
        self.body = body
        self.finished = finished
    }
}
