import Synchronization

/// Set by the control thread (interrupt_request, shutdown) or the signal thread (SIGINT);
/// read by the running cell.
public final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public var isSet: Bool { flag.load(ordering: .acquiring) }
    public func set() { flag.store(true, ordering: .releasing) }
}
