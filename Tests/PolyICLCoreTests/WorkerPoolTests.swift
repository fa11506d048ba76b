import Dispatch
import Foundation
import Testing
@testable import PolyICLCore

/// `ParallelExecutor.forEachChunk` through the worker pool (Sources/CKernels/pool.c): every
/// item visited exactly once by the worker that owns its chunk, with many callers at once
/// (one gets the pool, the others fall back to Dispatch) and with regions nested in regions.
@Suite(.timeLimit(.minutes(1))) struct WorkerPoolTests {
    /// Runs `rounds` regions of `count` items and returns, per item, how often it was visited
    /// and whether every visit came from the worker whose chunk holds the item.
    private static func visit(threads: Int, count: Int, rounds: Int, nested: Bool) -> (visits: [Int], ownersRight: Bool) {
        let executor = ParallelExecutor(threads: threads)
        var visits = [Int](repeating: 0, count: count)
        var ownersRight = true
        visits.withUnsafeMutableBufferPointer { visits in
            for _ in 0..<rounds {
                let workers = executor.workerCount(for: count)
                var wrongOwner = [Bool](repeating: false, count: workers)
                wrongOwner.withUnsafeMutableBufferPointer { wrongOwner in
                    executor.forEachChunk(count: count) { range, worker in
                        if range != ParallelExecutor.chunk(worker, of: workers, count: count) { wrongOwner[worker] = true }
                        for item in range { visits[item] += 1 }
                        if nested {
                            // A region inside a region: the pool is taken, so this one runs elsewhere.
                            var inner = [Int](repeating: 0, count: 100)
                            inner.withUnsafeMutableBufferPointer { inner in
                                executor.forEachChunk(count: 100) { innerRange, _ in
                                    for item in innerRange { inner[item] += 1 }
                                }
                            }
                            if inner.contains(where: { $0 != 1 }) { wrongOwner[worker] = true }
                        }
                    }
                }
                if wrongOwner.contains(true) { ownersRight = false }
            }
        }
        return (visits, ownersRight)
    }

    @Test func everyItemOnceFromOneCaller() {
        for threads in [1, 2, ParallelExecutor.availableCores, ParallelExecutor.availableCores + 2] {
            for count in [1, 2, 3, 1_001] {
                let result = Self.visit(threads: threads, count: count, rounds: 300, nested: false)
                #expect(result.visits.allSatisfy { $0 == 300 }, "\(threads) threads, \(count) items")
                #expect(result.ownersRight, "\(threads) threads, \(count) items")
            }
        }
    }

    @Test func everyItemOnceFromManyCallersAndNestedRegions() {
        let callers = 8
        let failures = UncheckedCounter()
        DispatchQueue.concurrentPerform(iterations: callers) { caller in
            let result = Self.visit(threads: 2, count: 257 + caller, rounds: 200, nested: caller % 2 == 0)
            if !result.visits.allSatisfy({ $0 == 200 }) || !result.ownersRight { failures.add() }
        }
        #expect(failures.value == 0)
    }
}

/// A failure count shared by concurrent callers.
private final class UncheckedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
