/// SIMD helpers for the loops still written in Swift (the optimisers). Loops run 16 lanes
/// at a time with a scalar tail, so any width works (the tiny test model has rows of 8 or 16).
enum VectorMath {
    typealias Vector = SIMD16<Float>
    static let lanes = 16

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
    }

    /// Dot product of two rows of `n` floats.
    @inline(__always)
    static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = Vector()
        var i = 0
        while i + lanes <= n { acc += load(x + i) * load(y + i); i += lanes }  // addProduct calls fmaf per lane
        var s = acc.sum()
        while i < n { s += x[i] * y[i]; i += 1 }
        return s
    }
}
