import Foundation

/// Asks a running training loop to stop; checked once per step. Safe to set from any thread.
public final class CancellationFlag: @unchecked Sendable {
    // A lock rather than Synchronization.Atomic, which needs macOS 15 (the package says 14).
    private let lock = NSLock()
    private var cancelled = false

    public init() {}

    public func cancel() { lock.withLock { cancelled = true } }
    public func reset() { lock.withLock { cancelled = false } }
    public var isCancelled: Bool { lock.withLock { cancelled } }
}
