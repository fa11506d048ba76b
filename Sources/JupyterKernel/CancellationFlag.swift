import Synchronization

/// Set by the control thread (interrupt_request, shutdown) or the SIGINT watcher; read by
/// the running cell, which polls `isSet` or registers a handler to forward the request
/// (for example to a cancellation flag of its own).
public final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    private let handlers = Locked<[@Sendable () -> Void]>([])

    public init() {}

    public var isSet: Bool { flag.load(ordering: .acquiring) }

    public func set() {
        flag.store(true, ordering: .releasing)
        let pending = handlers.withLock { list -> [@Sendable () -> Void] in
            defer { list.removeAll() }
            return list
        }
        for handler in pending { handler() }
    }

    /// Runs `handler` once when the flag is set (at once if it already is), on the
    /// thread that sets it: keep it short and thread-safe.
    public func onSet(_ handler: @escaping @Sendable () -> Void) {
        let runNow = handlers.withLock { list -> Bool in
            if isSet { return true }
            list.append(handler)
            return false
        }
        if runNow { handler() }
    }
}
