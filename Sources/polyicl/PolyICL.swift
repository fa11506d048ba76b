import ArgumentParser
import PolyICLCore
#if canImport(Glibc)
import Glibc
#endif

struct PolyICL: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "polyicl",
        abstract: "In-context learning of polynomials with small transformers, as a Jupyter kernel and a command line.",
        subcommands: [
            KernelCommand.self, InstallCommand.self, RunCommand.self,
            TrainCommand.self, EvalCommand.self, PredictCommand.self, BenchCommand.self,
        ]
    )
}

/// The entry point: arranges OpenBLAS's core type, checks POLYICL_ISA (a level the CPU lacks
/// ends the process here, with status 1, rather than inside the first kernel), then runs the
/// command line.
@main
enum Main {
    static func main() {
        OpenBLASCoreType.reexecuteIfNeeded()
        _ = KernelLevel.process
        PolyICL.main()
    }
}

/// Debian's OpenBLAS 0.3.21 does not recognise Zen 5 and falls back to AVX2 kernels; told
/// OPENBLAS_CORETYPE=SkylakeX it uses its AVX-512 kernels, almost twice as fast. It reads
/// the variable when the library loads, before main, so when the variable is unset on a CPU
/// with AVX-512 we set it and execute ourselves again. The child sees it set: no loop.
enum OpenBLASCoreType {
    static func reexecuteIfNeeded() {
        #if os(Linux)
        guard getenv("OPENBLAS_CORETYPE") == nil, cpuHasAVX512F() else { return }
        setenv("OPENBLAS_CORETYPE", "SkylakeX", 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // execv returned: it failed. Carry on with the kernels OpenBLAS chose; only speed differs.
        #endif
    }

    static func cpuHasAVX512F() -> Bool {
        guard let file = fopen("/proc/cpuinfo", "r") else { return false }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0 {
            guard let line else { continue }
            let text = String(cString: line)
            if text.hasPrefix("flags") {
                return text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).contains("avx512f")
            }
        }
        return false
    }
}
