#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The C library's expf, behind one name so kernels do not depend on the platform module.
enum Exponential {
    @inline(__always)
    static func exp(_ x: Float) -> Float { expf(x) }
}
