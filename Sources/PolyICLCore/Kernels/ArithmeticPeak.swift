import CKernels
import Dispatch

/// The machine's arithmetic ceiling, measured: every worker runs a register-only loop of
/// FMAs at the same time, as wide as the kernel level (`KernelLevel.process`) allows. Benchmarks quote their GFLOP/s against it, because on a
/// shared VM the ceiling itself moves with the host's load and clock.
public enum ArithmeticPeak {
    /// GFLOP/s of each of `threads` workers running the loop at once (`rounds` rounds of 12
    /// FMAs each, about half a second at 200 GFLOP/s by default); nil at baseline.
    public static func measure(threads: Int, rounds: Int = 250_000_000) -> [Double]? {
        let workers = max(1, threads)
        _ = polyicl_fma_peak_gflops(10_000_000)  // bring the core out of its idle clock
        var results = [Double](repeating: 0, count: workers)
        results.withUnsafeMutableBufferPointer { buffer in
            let slots = UncheckedSendable(buffer)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                slots.value[worker] = polyicl_fma_peak_gflops(rounds)
            }
        }
        return results.allSatisfy({ $0 > 0 }) ? results : nil
    }
}
