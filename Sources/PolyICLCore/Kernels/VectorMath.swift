#if canImport(Glibc)
import Glibc
#endif

/// SIMD helpers for the elementwise kernels. Loops run 16 lanes at a time with a scalar tail,
/// so any width works (the tiny test model has rows of 8 or 16).
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

    /// Sum of `n` floats, accumulated in 16 lanes (a fixed order: deterministic).
    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = Vector()
        var i = 0
        while i + lanes <= n { acc += load(x + i); i += lanes }
        var s = acc.sum()
        while i < n { s += x[i]; i += 1 }
        return s
    }

    /// Largest of `n` >= 1 floats, in 8 independent running maxima (a float max reduction
    /// does not vectorise by itself, and one running maximum is a serial dependency chain).
    @inline(__always)
    static func maximum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var m = (x[0], x[0], x[0], x[0], x[0], x[0], x[0], x[0])
        var i = 0
        while i + 8 <= n {
            m.0 = x[i] > m.0 ? x[i] : m.0
            m.1 = x[i + 1] > m.1 ? x[i + 1] : m.1
            m.2 = x[i + 2] > m.2 ? x[i + 2] : m.2
            m.3 = x[i + 3] > m.3 ? x[i + 3] : m.3
            m.4 = x[i + 4] > m.4 ? x[i + 4] : m.4
            m.5 = x[i + 5] > m.5 ? x[i + 5] : m.5
            m.6 = x[i + 6] > m.6 ? x[i + 6] : m.6
            m.7 = x[i + 7] > m.7 ? x[i + 7] : m.7
            i += 8
        }
        var result = max(max(max(m.0, m.1), max(m.2, m.3)), max(max(m.4, m.5), max(m.6, m.7)))
        while i < n { result = x[i] > result ? x[i] : result; i += 1 }
        return result
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

/// tanh as the rational minimax approximation Eigen uses (about 1 ulp in float after
/// clamping to +-7.9988, where tanh is 1 to float precision), in scalar form built only
/// from selects, multiplies, adds and one divide, so loops over it vectorise.
enum RationalTanh {
    @inline(__always)
    static func value(_ input: Float) -> Float {
        let limit: Float = 7.998_811_721_801_757_8
        let x = input > limit ? limit : (input < -limit ? -limit : input)
        let x2 = x * x
        var p: Float = -2.760_768_477_423_55e-16
        p = p * x2 + 2.000_187_904_824_77e-13
        p = p * x2 + -8.604_671_522_137_35e-11
        p = p * x2 + 5.122_297_090_371_14e-08
        p = p * x2 + 1.485_722_357_179_79e-05
        p = p * x2 + 6.372_619_288_754_36e-04
        p = p * x2 + 4.893_524_558_917_86e-03
        p = p * x
        var q: Float = 1.198_258_394_667_02e-06
        q = q * x2 + 1.185_347_056_866_54e-04
        q = q * x2 + 2.268_434_632_439_00e-03
        q = q * x2 + 4.893_525_185_543_85e-03
        // Below 4e-4, tanh(x) = x to float precision and the quotient loses accuracy.
        return x2 < 1.6e-7 ? input : p / q
    }
}
