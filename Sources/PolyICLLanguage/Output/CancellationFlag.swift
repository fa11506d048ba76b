import Foundation

/// Set from any thread (an interrupt request, SIGINT) and polled by long commands.
/// The owner resets it before each cell. A lock rather than `Atomic` because `Atomic`
/// needs macOS 15 and the package supports macOS 14; polling every few milliseconds
/// makes the lock's cost irrelevant.
public final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false

    public init() {}

    public func cancel() { lock.withLock { cancelled = true } }
    public func reset() { lock.withLock { cancelled = false } }
    public var isCancelled: Bool { lock.withLock { cancelled } }
}
