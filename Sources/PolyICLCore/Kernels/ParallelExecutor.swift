import CKernels
import COpenBLAS
import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// Splits elementwise, attention and GEMM work across the machine's cores. OpenBLAS itself
/// runs single-threaded inside each worker (see `ParallelGemm`).
///
/// Regions run on the process's worker pool (`polyicl_pool_run`, Sources/CKernels/pool.c),
/// whose threads stay awake for a moment between regions: a training step is about 150
/// regions back to back, and waking a parked Dispatch thread for each cost 15-40 us and left
/// a core idle for 5-10% of the step. A region started while the pool is busy (another
/// caller, or a region inside a region) runs on Dispatch instead.
///
/// Every thread that runs a region flushes subnormal floats to zero: trained weights make many
/// of them, and each costs about 100 cycles without it. The pool's own workers always do; a
/// caller's or Dispatch's thread does for the region only (``withSubnormalsFlushed(_:)``).
///
/// Work is cut into `threads` fixed, contiguous chunks that depend only on the item count and
/// the thread count, never on timing: reductions done per chunk and then combined in chunk
/// order give the same bits on every run with the same thread count.
public struct ParallelExecutor: Sendable {
    /// Number of workers.
    public let threads: Int

    /// The number of cores this process may use, the default thread count: `POLYICL_THREADS`
    /// if set, else its CPU affinity (taskset, Slurm's binding) lowered to a cgroup CPU quota.
    public static var availableCores: Int { max(1, polyicl_usable_cores()) }

    /// The level the kernels run at on this executor's threads: the process's
    /// (`KernelLevel.process`) unless a test asks for another.
    let kernelLevel: KernelLevel

    /// Whether GEMMs use our own kernel (`OwnGemm`, AVX-512 or AVX2) rather than OpenBLAS:
    /// true wherever the level is not baseline; tests turn it off to check the OpenBLAS path.
    var usesOwnGemm: Bool { kernelLevel.hasOwnGemm }

    /// Whether regions pin `kernelLevel` on the threads that run them: only when it differs
    /// from the process's, so a normal run does no extra work per region.
    private let pinsLevel: Bool

    /// `threads` nil means all cores. Values below 1 are raised to 1.
    public init(threads: Int? = nil) {
        self.init(threads: threads, level: KernelLevel.process)
    }

    /// `ownGemm` false forces OpenBLAS for every GEMM (baseline); true runs at the process's level.
    init(threads: Int?, ownGemm: Bool) {
        self.init(threads: threads, level: ownGemm ? KernelLevel.process : .baseline)
    }

    /// Kernels at `level`, which the CPU must have (a level it lacks runs at the process's).
    init(threads: Int?, level: KernelLevel) {
        self.threads = max(1, threads ?? Self.availableCores)
        kernelLevel = level.isSupported ? level : KernelLevel.process
        pinsLevel = kernelLevel != KernelLevel.process
    }

    /// Keeps OpenBLAS at one thread (every GEMM is split across our workers instead) and makes
    /// the calling thread run kernels at this executor's level (cheap when already set; called
    /// before each pass, inside ``withSubnormalsFlushed(_:)``).
    public func prepareCallingThread() {
        if pinsLevel { polyicl_isa_pin(kernelLevel.rawValue) }
        if openblas_get_num_threads() != 1 { openblas_set_num_threads(1) }
    }

    /// Runs `body` with this executor's kernel level on the calling thread.
    @inline(__always)
    private func atLevel(_ body: () -> Void) {
        if pinsLevel { kernelLevel.pinned(body) } else { body() }
    }

    /// Runs `body(range, worker)` over `count` items cut into at most `threads` contiguous
    /// chunks; small jobs (fewer than `minimumPerWorker` items per worker) run inline.
    @inline(__always)
    public func forEachChunk(count: Int, minimumPerWorker: Int = 1, _ body: (Range<Int>, Int) -> Void) {
        guard count > 0 else { return }
        let workers = workerCount(for: count, minimumPerWorker: minimumPerWorker)
        if workers == 1 {
            withSubnormalsFlushed { atLevel { body(0..<count, 0) } }
            return
        }
        // The pool and concurrentPerform both return only after every chunk has run, so
        // handing them the non-escaping body is safe (concurrentPerform wants a @Sendable
        // closure, but the kernels capture raw pointers to disjoint slices of shared buffers).
        withoutActuallyEscaping(body) { unpinned in
            let executor = self
            let body: (Range<Int>, Int) -> Void =
                pinsLevel ? { range, worker in executor.atLevel { unpinned(range, worker) } } : unpinned
            var job = ChunkJob(body: body, workers: workers, count: count)
            let ran = withUnsafeMutablePointer(to: &job) { job in
                polyicl_pool_run(workers, { context, worker in
                    let job = context!.assumingMemoryBound(to: ChunkJob.self)
                    job.pointee.body(ParallelExecutor.chunk(worker, of: job.pointee.workers, count: job.pointee.count), worker)
                }, UnsafeMutableRawPointer(job)) == 0
            }
            if ran { return }
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                withSubnormalsFlushed { shared.value(Self.chunk(worker, of: workers, count: count), worker) }
            }
        }
    }

    /// How many workers `forEachChunk` uses for these arguments (for per-worker partial sums).
    @inline(__always)
    public func workerCount(for count: Int, minimumPerWorker: Int = 1) -> Int {
        min(threads, max(1, count / max(1, minimumPerWorker)))
    }

    /// The `worker`-th of `workers` contiguous, nearly equal chunks of 0..<count.
    @inline(__always)
    static func chunk(_ worker: Int, of workers: Int, count: Int) -> Range<Int> {
        let base = count / workers, extra = count % workers
        let start = worker * base + min(worker, extra)
        return start..<(start + base + (worker < extra ? 1 : 0))
    }
}

/// One parallel region for the worker pool: `body` over `workers` chunks of 0..<count.
private struct ChunkJob {
    let body: (Range<Int>, Int) -> Void
    let workers: Int
    let count: Int
}

/// A value handed to worker threads whose safety the caller guarantees (disjoint writes).
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Runs `body` with subnormal floats flushed to zero on the calling thread, then restores the
/// thread's own mode: the work is fast on a trained model's subnormals, and the caller's other
/// arithmetic (formatting a subnormal double, say) is left exact.
@inline(__always)
public func withSubnormalsFlushed<R>(_ body: () throws -> R) rethrows -> R {
    let mode = polyicl_subnormals_flush_begin()
    defer { polyicl_subnormals_flush_end(mode) }
    return try body()
}
