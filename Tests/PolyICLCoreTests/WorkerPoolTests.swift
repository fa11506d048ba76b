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

    /// Arithmetic on subnormal floats costs about 100 cycles a value: every thread that runs a
    /// region, pooled, inline, on Dispatch (more threads than the pool has, or a region inside
    /// a region), must flush them, which shows in the results: a product below the smallest
    /// normal float is 0 (FTZ) and a subnormal input reads as 0 (DAZ).
    /// A product the compiler cannot work out ahead, so it is computed in the thread's mode.
    @inline(never) static func product(_ values: [Float], _ i: Int, _ j: Int) -> Float { values[i] * values[j] }

    @Test func everyWorkerFlushesSubnormals() {
        let operands: [Float] = [Float.leastNormalMagnitude, 0.5, Float(bitPattern: 0x0000_1000), 1]
        for threads in [1, 2, ParallelExecutor.availableCores + 2] {
            let executor = ParallelExecutor(threads: threads)
            let workers = executor.workerCount(for: 64)
            var results = [Float](repeating: -1, count: 2 * workers * 2)
            operands.withUnsafeBufferPointer { x in
                results.withUnsafeMutableBufferPointer { results in
                    executor.forEachChunk(count: 64) { _, worker in
                        results[4 * worker] = x[0] * x[1]
                        results[4 * worker + 1] = x[2] * x[3]
                        executor.forEachChunk(count: 2) { _, inner in
                            if inner == 0 {
                                results[4 * worker + 2] = x[0] * x[1]
                                results[4 * worker + 3] = x[2] * x[3]
                            }
                        }
                    }
                }
            }
            #expect(results.prefix(4 * workers).allSatisfy { $0 == 0 }, "\(threads) threads: \(results)")
            // The caller's thread is given back its own mode: a subnormal result survives after the region.
            let after = Self.product(operands, 0, 1)
            #expect(after != 0, "\(threads) threads: the caller still flushes subnormals after the region")
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
