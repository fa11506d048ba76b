/// Remembers the signatures of accepted messages so that a captured message sent again
/// is refused, as jupyter_client's Session does. Bounded: the oldest half is forgotten
/// once the set is full, which keeps memory flat in a kernel that runs for days.
struct ReplayGuard {
    private var seen: Set<[UInt8]> = []
    private var order: [[UInt8]] = []
    private let capacity: Int

    init(capacity: Int = 1 << 16) { self.capacity = capacity }

    /// Records the signature; false when it was seen before.
    mutating func admit(_ signature: [UInt8]) -> Bool {
        guard !seen.contains(signature) else { return false }
        if order.count >= capacity {
            let dropped = order.prefix(capacity / 2)
            for s in dropped { seen.remove(s) }
            order.removeFirst(capacity / 2)
        }
        seen.insert(signature)
        order.append(signature)
        return true
    }
}
