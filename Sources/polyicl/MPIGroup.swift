import CMPI
import Foundation
import PolyICLCore

/// The ranks of an MPI job (`mpirun -np N polyicl ...`, or `srun --mpi=pmix`) as a
/// data-parallel group: gradients are summed with MPI_Allreduce. Open MPI is loaded only
/// when the process was started by an MPI launcher (see Sources/CMPI).
final class MPIGroup: DataParallelGroup {
    let rank: Int
    let size: Int

    private init(rank: Int, size: Int) {
        self.rank = rank
        self.size = size
    }

    /// The job this process belongs to, or nil when it was started as a single process.
    /// Throws when it was started by a launcher but MPI cannot be used.
    static func joinIfLaunched(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> MPIGroup? {
        let launchedByMPI = environment["OMPI_COMM_WORLD_SIZE"] != nil || environment["PMIX_RANK"] != nil
        if !launchedByMPI {
            if let tasks = environment["SLURM_NTASKS"].flatMap(Int.init), tasks > 1, environment["SLURM_PROCID"] != nil,
               environment["SLURM_STEP_ID"] != nil {
                throw InputError("started by srun as one of \(tasks) tasks, but not through MPI, so the tasks cannot share a run: use `srun --mpi=pmix polyicl ...` or `mpirun polyicl ...` inside the job")
            }
            return nil
        }
        var rank: Int32 = 0, size: Int32 = 0
        var error = [CChar](repeating: 0, count: 512)
        guard polyicl_mpi_initialize(&rank, &size, &error, error.count) == 0 else {
            throw InputError("this process was started by an MPI launcher, but MPI cannot be used: \(MPIGroup.text(error))")
        }
        return MPIGroup(rank: Int(rank), size: Int(size))
    }

    /// The worker threads per rank when none are asked for: POLYICL_THREADS, else this node's
    /// usable cores shared by the ranks on it.
    static func defaultThreads(environment: [String: String] = ProcessInfo.processInfo.environment) -> Int {
        if environment["POLYICL_THREADS"] != nil { return ParallelExecutor.availableCores }
        let local = environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap(Int.init) ?? 1
        return max(1, ParallelExecutor.availableCores / max(1, local))
    }

    func sum(_ values: UnsafeMutableBufferPointer<Float>) throws {
        guard let base = values.baseAddress else { return }
        var error = [CChar](repeating: 0, count: 512)
        guard polyicl_mpi_sum_floats(base, values.count, &error, error.count) == 0 else {
            throw InputError("rank \(rank) of \(size): \(MPIGroup.text(error))")
        }
    }

    /// Seconds for one sum of `count` floats, the median of `repetitions` (after a warm-up).
    func timeSum(count: Int, repetitions: Int) throws -> Double {
        var values = [Float](repeating: 1, count: count)
        var times: [Double] = []
        for repetition in 0...repetitions {
            var error = [CChar](repeating: 0, count: 512)
            _ = polyicl_mpi_barrier(&error, error.count)
            let start = polyicl_mpi_time()
            try values.withUnsafeMutableBufferPointer { try sum($0) }
            if repetition > 0 { times.append(polyicl_mpi_time() - start) }
        }
        return times.sorted()[times.count / 2]
    }

    /// A C message buffer's text, up to its terminating zero.
    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Ends every rank of the job: one that fails must not leave the others in a collective.
    func abort(status: Int32) -> Never {
        fflush(nil)
        polyicl_mpi_abort(status)
        exit(status)
    }

    func finish() {
        _ = polyicl_mpi_finalize()
    }
}
