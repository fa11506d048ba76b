import CKernels

/// The instruction-set level our C kernels run at (Sources/CKernels/isa.c): the GEMM and its
/// fused passes, attention, the causal softmax and the kept probability rows. At `baseline`
/// every GEMM goes to OpenBLAS and the rest to portable C.
public enum KernelLevel: Int32, Sendable, CaseIterable, CustomStringConvertible {
    case baseline = 0
    case avx2 = 1
    case avx512 = 2

    /// The widest level the CPU has, or the one POLYICL_ISA (avx512, avx2, baseline) asks for.
    /// A request the CPU cannot honour prints why on stderr and ends the process with status 1
    /// the first time anything asks: figures measured at another level would be mislabelled.
    public static var process: KernelLevel { KernelLevel(rawValue: polyicl_isa_process_level()) ?? .baseline }

    /// Whether this CPU can run the level (baseline always).
    public var isSupported: Bool { polyicl_isa_supported(rawValue) != 0 }

    /// The name POLYICL_ISA and `polyicl bench` use.
    public var name: String { String(cString: polyicl_isa_name(rawValue)) }

    public var description: String { name }

    /// Whether our own GEMM (and everything built on it) runs at this level.
    var hasOwnGemm: Bool { self != .baseline }

    /// Pins this level on the calling thread until `unpin` is given what this returns (for a
    /// body too long to pass as a closure). A level the CPU lacks is not pinned.
    func pin() -> Int32 { polyicl_isa_pin(rawValue) }

    /// Restores the pin `pin()` replaced.
    static func unpin(restoring previous: Int32) { polyicl_isa_pin(previous) }

    /// Runs `body` with this level pinned on the calling thread, then restores the previous
    /// pin. A level the CPU lacks is not pinned (the thread keeps its level).
    func pinned<Result>(_ body: () throws -> Result) rethrows -> Result {
        let previous = polyicl_isa_pin(rawValue)
        defer { polyicl_isa_pin(previous) }
        return try body()
    }
}
